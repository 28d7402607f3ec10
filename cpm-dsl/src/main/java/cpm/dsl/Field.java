package cpm.dsl;

import java.util.List;
import java.util.Objects;

/**
 * One knob of a recipe: its dotted path ({@code decoder.heads}), its kind, its default and the values it may
 * take. The schema ({@link RecipeSchema}) is a list of these, so validation, JSON, {@code describe()},
 * {@code diff()} and the REPL's {@code :set} are written once for every field.
 */
public record Field(String path, Kind kind, Object defaultValue, double min, double max, List<String> choices,
                    String doc) {

    /** The value types a recipe field can hold. */
    public enum Kind { INT, DOUBLE, BOOL, STRING, CHOICE, LIST }

    public Field {
        Objects.requireNonNull(path);
        Objects.requireNonNull(kind);
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    public String section() {
        return path.substring(0, path.indexOf('.'));
    }

    public String key() {
        return path.substring(path.indexOf('.') + 1);
    }

    /** What the field accepts, in words, for error messages. */
    public String expected() {
        return switch (kind) {
            case INT -> "an integer in [" + (long) min + ", " + (long) max + "]";
            case DOUBLE -> "a number in [" + fmt(min) + ", " + fmt(max) + "]";
            case BOOL -> "true or false";
            case STRING -> "a string";
            case CHOICE -> "one of " + String.join(", ", choices);
            case LIST -> "a list of strings";
        };
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * Converts a raw value (a Java value, a JSON value or the text typed at {@code :set}) to this field's type,
     * or returns a problem that names the field, what was found and what was expected.
     */
    public Object coerce(Object raw) {
        if (raw == null) {
            throw new RecipeException(List.of(new RecipeException.Problem(path, "null", expected())));
        }
        try {
            Object v = switch (kind) {
                case INT -> toInt(raw);
                case DOUBLE -> toDouble(raw);
                case BOOL -> toBool(raw);
                case STRING -> raw instanceof String s ? s : fail(raw);
                case CHOICE -> toChoice(raw);
                case LIST -> toList(raw);
            };
            String rangeProblem = checkRange(v);
            if (rangeProblem != null) {
                throw new RecipeException(List.of(new RecipeException.Problem(path, RecipeException.show(raw), expected())));
            }
            return v;
        } catch (IllegalArgumentException e) {
            if (e instanceof RecipeException re) {
                throw re;
            }
            throw new RecipeException(List.of(new RecipeException.Problem(path, RecipeException.show(raw), expected())));
        }
    }

    private String checkRange(Object v) {
        if (v instanceof Integer i && (i < min || i > max)) {
            return "range";
        }
        if (v instanceof Double d && (d.isNaN() || d < min || d > max)) {
            return "range";
        }
        return null;
    }

    private static Object fail(Object raw) {
        throw new IllegalArgumentException("type " + raw.getClass().getSimpleName());
    }

    private static Integer toInt(Object raw) {
        if (raw instanceof Integer i) {
            return i;
        }
        if (raw instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 2e9) {
            return (int) n.doubleValue();
        }
        if (raw instanceof String s) {
            return Integer.parseInt(s.trim().replace("_", ""));
        }
        return (Integer) fail(raw);
    }

    private static Double toDouble(Object raw) {
        if (raw instanceof Number n) {
            return n.doubleValue();
        }
        if (raw instanceof String s) {
            return Double.parseDouble(s.trim());
        }
        return (Double) fail(raw);
    }

    private static Boolean toBool(Object raw) {
        if (raw instanceof Boolean b) {
            return b;
        }
        if (raw instanceof String s) {
            String t = s.trim().toLowerCase();
            if (t.equals("true") || t.equals("on") || t.equals("yes")) {
                return true;
            }
            if (t.equals("false") || t.equals("off") || t.equals("no")) {
                return false;
            }
        }
        return (Boolean) fail(raw);
    }

    private String toChoice(Object raw) {
        if (raw instanceof String s && choices.contains(s.trim())) {
            return s.trim();
        }
        if (raw instanceof Enum<?> e) {
            return toChoice(e.name().toLowerCase().replace('_', '-'));
        }
        return (String) fail(raw);
    }

    private static List<String> toList(Object raw) {
        if (raw instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String)) {
                    fail(o == null ? "null" : o);
                }
            }
            @SuppressWarnings("unchecked") List<String> ls = (List<String>) l;
            return List.copyOf(ls);
        }
        if (raw instanceof String s) {
            if (s.isBlank()) {
                return List.of();
            }
            return java.util.Arrays.stream(s.split(",")).map(String::trim).toList();
        }
        @SuppressWarnings("unchecked") List<String> r = (List<String>) fail(raw);
        return r;
    }
}
