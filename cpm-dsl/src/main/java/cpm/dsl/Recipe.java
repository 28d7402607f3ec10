package cpm.dsl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An experiment recipe: an immutable, validated, fully resolved value of every field of {@link RecipeSchema}.
 * Build one fluently with {@link #builder(String)}, start from a preset ({@link Presets#get(String)}), or read
 * one from JSON ({@link RecipeJson}). Copies with changes ({@link #with(String, Object)}) serve sweeps.
 */
public final class Recipe {

    private final String name;
    private final Map<String, Object> values;

    Recipe(String name, Map<String, Object> values) {
        this.name = Objects.requireNonNull(name);
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String path : RecipeSchema.fields().keySet()) {
            ordered.put(path, values.containsKey(path) ? values.get(path) : RecipeSchema.field(path).defaultValue());
        }
        this.values = Collections.unmodifiableMap(ordered);
    }

    public static RecipeBuilder builder(String name) {
        return new RecipeBuilder(name);
    }

    /**
     * Builds a recipe in one expression: {@code Recipe.define("x", r -> r.image(i -> i.size(96)).queries(q ->
     * q.count(12)))}. Same as {@code builder(name)}, the spec, then {@code build()}; the open parenthesis also keeps
     * JShell reading a multi-line chain as one snippet (a line ending in {@code builder("x")} would be complete).
     */
    public static Recipe define(String name, Consumer<RecipeBuilder> spec) {
        RecipeBuilder b = builder(name);
        spec.accept(b);
        return b.build();
    }

    /** A validated copy under a new name with the changes of {@code spec}: {@code derive("b", b -> b.cpm(c -> c.off()))}. */
    public Recipe derive(String newName, Consumer<RecipeBuilder> spec) {
        RecipeBuilder b = toBuilder().name(newName);
        spec.accept(b);
        return b.build();
    }

    /** A builder that starts from this recipe's values. */
    public RecipeBuilder toBuilder() {
        return new RecipeBuilder(name, values);
    }

    public String name() {
        return name;
    }

    /** Every field's value, in schema order. */
    public Map<String, Object> values() {
        return values;
    }

    public Object get(String path) {
        RecipeSchema.field(path);
        return values.get(path);
    }

    public int getInt(String path) {
        return (Integer) get(path);
    }

    public double getDouble(String path) {
        return (Double) get(path);
    }

    public float getFloat(String path) {
        return (float) getDouble(path);
    }

    public boolean getBool(String path) {
        return (Boolean) get(path);
    }

    public String getString(String path) {
        return (String) get(path);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String path) {
        return (List<String>) get(path);
    }

    /** A validated copy with one field changed (the value may be text, as typed at {@code :set}). */
    public Recipe with(String path, Object value) {
        return toBuilder().set(path, value).build();
    }

    /** A validated copy with several fields changed. */
    public Recipe with(Map<String, ?> changes) {
        RecipeBuilder b = toBuilder();
        changes.forEach(b::set);
        return b.build();
    }

    public Recipe named(String newName) {
        return new Recipe(RecipeNames.check(newName), values);
    }

    /** The fields that differ from {@code other}, one line each: {@code path: mine -> theirs}. */
    public List<String> diff(Recipe other) {
        List<String> out = new ArrayList<>();
        if (!name.equals(other.name)) {
            out.add("name: " + name + " -> " + other.name);
        }
        for (String path : values.keySet()) {
            Object a = values.get(path);
            Object b = other.values.get(path);
            if (!Objects.equals(a, b)) {
                out.add(path + ": " + show(a) + " -> " + show(b));
            }
        }
        return out;
    }

    /** Every field with its value and meaning, grouped by section: what {@code ./cpm describe} prints. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("recipe ").append(name).append('\n');
        String section = null;
        int width = 0;
        for (String path : values.keySet()) {
            width = Math.max(width, RecipeSchema.field(path).key().length());
        }
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Field f = RecipeSchema.field(e.getKey());
            if (!f.section().equals(section)) {
                section = f.section();
                sb.append(section).append('\n');
            }
            String v = show(e.getValue());
            boolean isDefault = Objects.equals(e.getValue(), f.defaultValue());
            sb.append("  ").append(pad(f.key(), width)).append(" = ").append(pad(v, 14)).append("  # ")
                    .append(f.doc()).append(isDefault ? "" : " [default " + show(f.defaultValue()) + "]").append('\n');
        }
        return sb.toString();
    }

    /** The {@code image.*} fields, typed. */
    public Sections.Image image() {
        return Sections.Image.of(this);
    }

    /** The {@code audio.*} fields, typed. */
    public Sections.Audio audio() {
        return Sections.Audio.of(this);
    }

    /** The {@code pixelDecoder.*} fields, typed. */
    public Sections.PixelDecoder pixelDecoder() {
        return Sections.PixelDecoder.of(this);
    }

    /** The {@code decoder.*} fields, typed. */
    public Sections.Decoder decoder() {
        return Sections.Decoder.of(this);
    }

    /** The {@code queries.*} fields, typed. */
    public Sections.Queries queries() {
        return Sections.Queries.of(this);
    }

    /** The {@code classifier.*} fields, typed. */
    public Sections.Classifier classifier() {
        return Sections.Classifier.of(this);
    }

    /**
     * D of the space the GMM models and the prompts live in (classifier.space): the decoder width in query space,
     * D_q for the post-MLP mask embedding.
     */
    public int gmmDim() {
        return classifier().querySpace() ? decoder().hiddenDim() : queries().dim();
    }

    /** The {@code cpm.*} fields, typed. */
    public Sections.Cpm cpm() {
        return Sections.Cpm.of(this);
    }

    /** The {@code loss.*} fields, typed. */
    public Sections.Loss loss() {
        return Sections.Loss.of(this);
    }

    /** The {@code matcher.*} fields, typed. */
    public Sections.Matcher matcher() {
        return Sections.Matcher.of(this);
    }

    /** The {@code data.*} fields, typed. */
    public Sections.Data data() {
        return Sections.Data.of(this);
    }

    /** The {@code optim.*} fields, typed. */
    public Sections.Optim optim() {
        return Sections.Optim.of(this);
    }

    /** The {@code eval.*} fields, typed. */
    public Sections.Eval eval() {
        return Sections.Eval.of(this);
    }

    /** The {@code run.*} fields, typed. */
    public Sections.Run run() {
        return Sections.Run.of(this);
    }

    /** Number of classes (background included) when the recipe knows them, else -1. */
    public int classCount() {
        List<String> classes = classNames();
        return classes.isEmpty() ? -1 : classes.size();
    }

    /** The class list: data.classes if given, else the synthetic preset's classes, else empty. */
    public List<String> classNames() {
        List<String> given = getList("data.classes");
        if (!given.isEmpty()) {
            return given;
        }
        if (getString("data.kind").equals("synthetic")) {
            return SyntheticCatalog.classNames(getString("data.preset"));
        }
        if (getString("data.kind").equals("s4") || getString("data.kind").equals("ms3")) {
            return SyntheticCatalog.BINARY;
        }
        return List.of();
    }

    /** True when the labels are binary (sounding vs not): S4, MS3 and the synthetic ss and ms presets. */
    public boolean binaryLabels() {
        String kind = getString("data.kind");
        if (kind.equals("s4") || kind.equals("ms3")) {
            return true;
        }
        return kind.equals("synthetic") && SyntheticCatalog.isBinary(getString("data.preset"));
    }

    /** Whether any CPM task is on. */
    public boolean cpmOn() {
        return getBool("cpm.vcp") || getBool("cpm.acp") || getBool("cpm.pcl");
    }

    static String show(Object v) {
        if (v instanceof List<?> l) {
            return "[" + String.join(", ", l.stream().map(String::valueOf).toList()) + "]";
        }
        if (v instanceof String s) {
            return s.isEmpty() ? "\"\"" : s;
        }
        return String.valueOf(v);
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recipe r && r.name.equals(name) && r.values.equals(values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, values);
    }

    @Override
    public String toString() {
        return describe();
    }
}
