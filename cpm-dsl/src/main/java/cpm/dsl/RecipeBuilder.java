package cpm.dsl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Recipe}. Every field can be set by path ({@link #set(String, Object)}); the section methods
 * ({@code image(...)}, {@code decoder(...)}, ...) give the same fields fluent names. {@link #build()} checks
 * every field's range and the cross-field rules of {@link RecipeRules}, and reports all problems at once.
 */
public final class RecipeBuilder {

    private String name;
    private final Map<String, Object> raw = new LinkedHashMap<>();

    RecipeBuilder(String name) {
        this.name = name;
    }

    RecipeBuilder(String name, Map<String, Object> values) {
        this.name = name;
        raw.putAll(values);
    }

    public RecipeBuilder name(String newName) {
        this.name = newName;
        return this;
    }

    /** Sets a field by its dotted path; the value is checked when {@link #build()} runs. */
    public RecipeBuilder set(String path, Object value) {
        raw.put(path, value);
        return this;
    }

    /** Validates and freezes. Throws {@link RecipeException} listing every problem found. */
    public Recipe build() {
        List<RecipeException.Problem> problems = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!RecipeSchema.has(e.getKey())) {
                problems.add(new RecipeException.Problem(e.getKey(), "an unknown field",
                        "a known field" + RecipeSchema.suggestion(e.getKey())));
                continue;
            }
            try {
                values.put(e.getKey(), RecipeSchema.field(e.getKey()).coerce(e.getValue()));
            } catch (RecipeException re) {
                problems.addAll(re.problems());
            }
        }
        if (name == null || name.isBlank()) {
            problems.add(new RecipeException.Problem("name", "\"" + name + "\"", "a non-empty name"));
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        Recipe recipe = new Recipe(name, values);
        List<RecipeException.Problem> rules = RecipeRules.check(recipe);
        if (!rules.isEmpty()) {
            throw new RecipeException(rules);
        }
        return recipe;
    }
}
