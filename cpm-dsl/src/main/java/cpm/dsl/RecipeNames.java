package cpm.dsl;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The one rule for recipe names. A name becomes a folder ({@code runs/<name>}, {@code runs/<name>-repl}) and recipe
 * files are handed around at workshops, so a name must be a single harmless path component: no separators, no
 * {@code .}/{@code ..}, no control characters, no leading dash that reads as an option, and short.
 */
public final class RecipeNames {

    public static final int MAX_LENGTH = 64;

    private static final Pattern RULE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");

    /** What a name may be, in words, for error messages. */
    public static final String EXPECTED = "1-" + MAX_LENGTH + " letters, digits, '.', '_' or '-', not starting with "
            + "'.' or '-' (a recipe name becomes the run folder runs/<name>)";

    private RecipeNames() {
    }

    public static boolean valid(String name) {
        return name != null && RULE.matcher(name).matches();
    }

    /** Throws a {@link RecipeException} naming {@code name} unless {@code name} follows the rule. */
    public static String check(String name) {
        if (!valid(name)) {
            throw new RecipeException(List.of(problem(name)));
        }
        return name;
    }

    static RecipeException.Problem problem(String name) {
        return new RecipeException.Problem("name", shown(name), EXPECTED);
    }

    /** The name quoted, control and other invisible characters escaped, long names cut (the length said). */
    static String shown(String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(name.length(), MAX_LENGTH + 16);
        for (int i = 0; i < limit; i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || Character.isSpaceChar(c) && c != ' ' || !Character.isDefined(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append(limit < name.length() ? "...\"" : "\"");
        if (name.length() > MAX_LENGTH) {
            sb.append(" (").append(name.length()).append(" characters)");
        }
        return sb.toString();
    }
}
