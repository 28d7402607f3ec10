package cpm.dsl;

import java.util.ArrayList;
import java.util.List;

/** Cross-field rules: what no single field's range can say. Each rule names the field that must change. */
final class RecipeRules {

    private RecipeRules() {
    }

    static List<RecipeException.Problem> check(Recipe r) {
        List<RecipeException.Problem> p = new ArrayList<>();
        int hidden = r.getInt("decoder.hiddenDim");
        int heads = r.getInt("decoder.heads");
        if (hidden % heads != 0) {
            p.add(new RecipeException.Problem("decoder.heads", String.valueOf(heads),
                    "a divisor of decoder.hiddenDim (" + hidden + ")"));
        }
        return p;
    }
}
