package cpm.data;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeBuilder;

/** Small recipes for the data tests. */
final class TestRecipes {

    private TestRecipes() {
    }

    /** The tiny preset with the given changes (path, value, path, value, ...). */
    static Recipe tiny(Object... changes) {
        RecipeBuilder b = Presets.get("tiny").toBuilder();
        for (int i = 0; i < changes.length; i += 2) {
            b.set((String) changes[i], changes[i + 1]);
        }
        return b.build();
    }
}
