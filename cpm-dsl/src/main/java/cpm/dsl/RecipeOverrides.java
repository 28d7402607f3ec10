package cpm.dsl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code field=value} assignments typed on a command line ({@code ./cpm train tiny --set classifier.components=5}),
 * applied through the same path as every other change: the field's own {@link Field#coerce} parses the text by the
 * field's type and {@link RecipeBuilder#build()} checks ranges and cross-field rules. {@code name=NEW} renames.
 * Problems name the option and the field ({@code --set classifier.components}), what was found and what was
 * expected, with the nearest field for a mistyped one.
 */
public final class RecipeOverrides {

    private RecipeOverrides() {
    }

    /**
     * {@code base} with every assignment applied, or a {@link RecipeException} listing every problem; {@code option}
     * (e.g. {@code --set}) prefixes the field in each message.
     */
    public static Recipe apply(Recipe base, List<String> assignments, String option) {
        if (assignments == null || assignments.isEmpty()) {
            return base;
        }
        List<RecipeException.Problem> problems = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        String name = base.name();
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                problems.add(new RecipeException.Problem(option + " " + a, eq == 0 ? "no field before '='" : "no '='",
                        "FIELD=VALUE with a dotted field, e.g. " + option + " classifier.components=5"));
                continue;
            }
            String path = a.substring(0, eq).trim();
            String text = a.substring(eq + 1);
            String label = option + " " + path;
            if (values.containsKey(path) || path.equals("name") && !name.equals(base.name())) {
                problems.add(new RecipeException.Problem(label, "the field given twice", "each field once"));
            } else if (path.equals("name")) {
                if (RecipeNames.valid(text)) {
                    name = text;
                } else {
                    problems.add(new RecipeException.Problem(label, RecipeNames.shown(text), RecipeNames.EXPECTED));
                }
            } else if (!RecipeSchema.has(path)) {
                problems.add(new RecipeException.Problem(label, "an unknown field", "a recipe field (section.key, "
                        + "listed by ./cpm describe)" + RecipeSchema.suggestion(path)));
            } else {
                try {
                    values.put(path, RecipeSchema.field(path).coerce(text));
                } catch (RecipeException e) {
                    for (RecipeException.Problem p : e.problems()) {
                        problems.add(new RecipeException.Problem(label, p.found(), p.expected()));
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        RecipeBuilder b = base.toBuilder().name(name);
        values.forEach(b::set);
        try {
            return b.build();
        } catch (RecipeException e) {
            // a cross-field rule: name the assignment when it is the field the rule points at
            List<RecipeException.Problem> named = new ArrayList<>();
            for (RecipeException.Problem p : e.problems()) {
                named.add(values.containsKey(p.field())
                        ? new RecipeException.Problem(option + " " + p.field(), p.found(), p.expected())
                        : new RecipeException.Problem(p.field() + " (after " + option + ")", p.found(), p.expected()));
            }
            throw new RecipeException(named);
        }
    }
}
