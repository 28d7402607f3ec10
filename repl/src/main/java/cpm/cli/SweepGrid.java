package cpm.cli;

import cpm.dsl.Field;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import cpm.dsl.RecipeSchema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The grid of {@code ./cpm sweep RECIPE --set FIELD=V1,V2,...}: one axis per {@code --set} (its values comma-separated;
 * for a list field such as data.classes, semicolon-separated, since its own items are comma-separated), the points
 * the cross product of the axes (the first {@code --set} varies slowest). Each value is parsed and checked by the
 * same {@link SetOption} as {@code ./cpm train --set}, so a bad one gets train's message. Every point also gets a
 * folder name made of the values of the axes with more than one value, safe for any file system.
 */
final class SweepGrid {

    /** Characters kept in a folder name; every other becomes '_' (so 1e-3, 0.5 and -2 stay as typed). */
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
    private static final int LONGEST_LABEL = 40;
    private static final int LONGEST_NAME = 120;

    /** One {@code --set}: the field, its values as typed, and their labels in folder names. */
    record Axis(String field, List<String> values, List<String> labels) {
        boolean varies() {
            return values.size() > 1;
        }
    }

    /** One grid point: its values (one per axis), its folder name and its recipe (overrides applied, checked). */
    record Point(List<String> values, String name, Recipe recipe) {
        /** The point as {@code field=value} words, e.g. for logs: the varying axes only. */
        String describe(List<Axis> axes) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < axes.size(); i++) {
                if (axes.get(i).varies()) {
                    words.add(axes.get(i).field() + "=" + values.get(i));
                }
            }
            return words.isEmpty() ? "(one point)" : String.join(" ", words);
        }
    }

    private final List<Axis> axes;

    private SweepGrid(List<Axis> axes) {
        this.axes = axes;
    }

    List<Axis> axes() {
        return axes;
    }

    /** The axes of the {@code --set} options; problems of form (no '=', a field twice, empty or repeated values). */
    static SweepGrid parse(List<String> sets, Recipe base) {
        Map<String, List<String>> lists = new LinkedHashMap<>();
        for (String a : sets) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                one(a).applyTo(base);  // throws train's message for an assignment without a field
                throw new IllegalStateException("--set " + a + " was accepted without a field");
            }
            String field = a.substring(0, eq).trim();
            String text = a.substring(eq + 1);
            if (lists.containsKey(field)) {
                throw new Main.BadInput("--set " + field + ": found the field given twice, expected each field "
                        + "once (its values comma-separated: --set " + field + "=V1,V2)");
            }
            lists.put(field, values(field, text));
        }
        List<Axis> axes = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        Set<String> clashing = new HashSet<>();
        for (String f : lists.keySet()) {
            if (!keys.add(key(f))) {
                clashing.add(key(f));
            }
        }
        for (Map.Entry<String, List<String>> e : lists.entrySet()) {
            String f = e.getKey();
            axes.add(new Axis(f, e.getValue(), labels(clashing.contains(key(f)) ? f : key(f), e.getValue())));
        }
        return new SweepGrid(List.copyOf(axes));
    }

    private static SetOption one(String assignment) {
        SetOption s = new SetOption();
        s.assignments = List.of(assignment);
        return s;
    }

    /** The values of one {@code --set}: split, none empty, none repeated (by value: 1e-3 is 0.001). */
    private static List<String> values(String field, String text) {
        boolean listField = RecipeSchema.has(field) && RecipeSchema.field(field).kind() == Field.Kind.LIST;
        String sep = listField ? ";" : ",";
        String expected = "values separated by " + (listField ? "semicolons (this field is a list: V1;V2, each "
                + "comma-separated)" : "commas (V1,V2,...)");
        if (text.isBlank()) {
            throw new Main.BadInput("--set " + field + ": found no value, expected one or more " + expected);
        }
        List<String> out = new ArrayList<>();
        Map<Object, String> seen = new HashMap<>();
        for (String v : text.split(Pattern.quote(sep), -1)) {
            String t = v.trim();
            if (t.isEmpty()) {
                throw new Main.BadInput("--set " + field + ": found an empty value in \"" + text + "\", expected "
                        + expected);
            }
            String before = seen.put(parsed(field, t), t);
            if (before != null) {
                throw new Main.BadInput("--set " + field + ": found the value " + t + (before.equals(t) ? " twice"
                        : " twice (as " + before + " and " + t + ")") + ", expected each value once");
            }
            out.add(t);
        }
        return out;
    }

    /** The value as the field holds it, to find repeats; the text when it does not parse (reported later). */
    private static Object parsed(String field, String text) {
        if (!RecipeSchema.has(field)) {
            return text;
        }
        try {
            return RecipeSchema.field(field).coerce(text);
        } catch (RecipeException e) {
            return text;
        }
    }

    private static String key(String field) {
        return field.substring(field.lastIndexOf('.') + 1);
    }

    /**
     * {@code key-value} per value; where a value cannot be kept readable (empty or too long once unsafe characters
     * are replaced, or equal to another of the axis ignoring case, as on macOS) the axis numbers its values instead.
     */
    private static List<String> labels(String key, List<String> values) {
        List<String> labels = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean readable = true;
        for (String v : values) {
            String l = UNSAFE.matcher(v).replaceAll("_");
            readable &= l.length() <= LONGEST_LABEL && seen.add(l.toLowerCase(Locale.ROOT));
            labels.add(key + "-" + l);
        }
        if (readable) {
            return List.copyOf(labels);
        }
        List<String> numbered = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            numbered.add(key + "-v" + (i + 1));
        }
        return List.copyOf(numbered);
    }

    /** Runs in the grid: points x seeds, saturating instead of overflowing. */
    long runs(int seeds) {
        long n = seeds;
        for (Axis a : axes) {
            n = Math.min(Long.MAX_VALUE / 2, n * a.values().size());
        }
        return n;
    }

    long points() {
        return runs(1);
    }

    /**
     * Every point with its recipe: {@code base} with the point's assignments (checked as train checks them), then
     * {@code after} (--steps, --threads). A problem is exit 2 before anything runs, naming the point when the grid
     * has several.
     */
    List<Point> points(Recipe base, String fallbackName, UnaryOperator<Recipe> after) {
        int n = (int) points();
        List<Point> out = new ArrayList<>(n);
        Set<String> names = new HashSet<>();
        boolean unique = true;
        for (int k = 0; k < n; k++) {
            List<String> values = new ArrayList<>();
            List<String> assignments = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            int rest = k;
            for (int i = axes.size() - 1; i >= 0; i--) {    // the last axis varies fastest
                Axis a = axes.get(i);
                int j = rest % a.values().size();
                rest /= a.values().size();
                values.add(0, a.values().get(j));
                assignments.add(0, a.field() + "=" + a.values().get(j));
                if (a.varies()) {
                    labels.add(0, a.labels().get(j));
                }
            }
            SetOption set = new SetOption();
            set.assignments = assignments;
            Recipe r;
            try {
                r = after.apply(set.applyTo(base));
            } catch (Main.BadInput e) {
                throw n == 1 ? e : new Main.BadInput(e.getMessage() + "\n  (at grid point " + (k + 1) + " of " + n
                        + ": " + String.join(" ", assignments) + ")");
            }
            String name = labels.isEmpty() ? fallbackName : String.join("_", labels);
            unique &= name.length() <= LONGEST_NAME && names.add(name.toLowerCase(Locale.ROOT));
            out.add(new Point(List.copyOf(values), name, r));
        }
        if (!unique) {  // too long, or two points whose labels join alike: number them
            List<Point> numbered = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                Point p = out.get(k);
                numbered.add(new Point(p.values(), "point-" + (k + 1), p.recipe()));
            }
            return numbered;
        }
        return out;
    }
}
