package cpm.dsl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

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

    /** Sets {@code image.*} fields fluently, e.g. {@code .image(x -> x...)}. */
    public RecipeBuilder image(Consumer<SectionBuilders.Image> spec) {
        spec.accept(new SectionBuilders.Image(this));
        return this;
    }

    /** Sets {@code audio.*} fields fluently, e.g. {@code .audio(x -> x...)}. */
    public RecipeBuilder audio(Consumer<SectionBuilders.Audio> spec) {
        spec.accept(new SectionBuilders.Audio(this));
        return this;
    }

    /** Sets {@code pixelDecoder.*} fields fluently, e.g. {@code .pixelDecoder(x -> x...)}. */
    public RecipeBuilder pixelDecoder(Consumer<SectionBuilders.PixelDecoder> spec) {
        spec.accept(new SectionBuilders.PixelDecoder(this));
        return this;
    }

    /** Sets {@code decoder.*} fields fluently, e.g. {@code .decoder(x -> x...)}. */
    public RecipeBuilder decoder(Consumer<SectionBuilders.Decoder> spec) {
        spec.accept(new SectionBuilders.Decoder(this));
        return this;
    }

    /** Sets {@code queries.*} fields fluently, e.g. {@code .queries(x -> x...)}. */
    public RecipeBuilder queries(Consumer<SectionBuilders.Queries> spec) {
        spec.accept(new SectionBuilders.Queries(this));
        return this;
    }

    /** Sets {@code classifier.*} fields fluently, e.g. {@code .classifier(x -> x...)}. */
    public RecipeBuilder classifier(Consumer<SectionBuilders.Classifier> spec) {
        spec.accept(new SectionBuilders.Classifier(this));
        return this;
    }

    /** Sets {@code cpm.*} fields fluently, e.g. {@code .cpm(x -> x...)}. */
    public RecipeBuilder cpm(Consumer<SectionBuilders.Cpm> spec) {
        spec.accept(new SectionBuilders.Cpm(this));
        return this;
    }

    /** Sets {@code loss.*} fields fluently, e.g. {@code .loss(x -> x...)}. */
    public RecipeBuilder loss(Consumer<SectionBuilders.Loss> spec) {
        spec.accept(new SectionBuilders.Loss(this));
        return this;
    }

    /** Sets {@code matcher.*} fields fluently, e.g. {@code .matcher(x -> x...)}. */
    public RecipeBuilder matcher(Consumer<SectionBuilders.Matcher> spec) {
        spec.accept(new SectionBuilders.Matcher(this));
        return this;
    }

    /** Sets {@code data.*} fields fluently, e.g. {@code .data(x -> x...)}. */
    public RecipeBuilder data(Consumer<SectionBuilders.Data> spec) {
        spec.accept(new SectionBuilders.Data(this));
        return this;
    }

    /** Sets {@code optim.*} fields fluently, e.g. {@code .optim(x -> x...)}. */
    public RecipeBuilder optim(Consumer<SectionBuilders.Optim> spec) {
        spec.accept(new SectionBuilders.Optim(this));
        return this;
    }

    /** Sets {@code eval.*} fields fluently, e.g. {@code .eval(x -> x...)}. */
    public RecipeBuilder eval(Consumer<SectionBuilders.Eval> spec) {
        spec.accept(new SectionBuilders.Eval(this));
        return this;
    }

    /** Sets {@code run.*} fields fluently, e.g. {@code .run(x -> x...)}. */
    public RecipeBuilder run(Consumer<SectionBuilders.Run> spec) {
        spec.accept(new SectionBuilders.Run(this));
        return this;
    }

    /** The values set so far, by path, not yet checked (for tests). */
    Map<String, Object> pending() {
        return java.util.Collections.unmodifiableMap(raw);
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
        if (!RecipeNames.valid(name)) {
            problems.add(RecipeNames.problem(name));
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
