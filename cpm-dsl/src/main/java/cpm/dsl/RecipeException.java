package cpm.dsl;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A recipe that cannot be built: one {@link Problem} per wrong field, each naming the field path, the value
 * found and what is allowed. The CLI prints {@link #getMessage()} and exits 2.
 */
public class RecipeException extends IllegalArgumentException {

    /** One wrong field: {@code decoder.heads}: found 7, expected a divisor of decoder.hiddenDim (64). */
    public record Problem(String field, String found, String expected) {
        @Override
        public String toString() {
            return field + ": found " + found + ", expected " + expected;
        }
    }

    private final List<Problem> problems;
    private final String source;

    public RecipeException(List<Problem> problems) {
        this(null, problems);
    }

    public RecipeException(String source, List<Problem> problems) {
        super(render(source, problems));
        this.problems = List.copyOf(problems);
        this.source = source;
    }

    public List<Problem> problems() {
        return problems;
    }

    /** The file the recipe came from, or null. */
    public String source() {
        return source;
    }

    /** The same problems, now attributed to a file. */
    public RecipeException from(String file) {
        return new RecipeException(file, problems);
    }

    private static String render(String source, List<Problem> problems) {
        String prefix = source == null ? "recipe" : "recipe " + source;
        if (problems.size() == 1) {
            return prefix + ": " + problems.get(0);
        }
        return prefix + ": " + problems.size() + " problems\n" + problems.stream().map(p -> "  " + p)
                .collect(Collectors.joining("\n"));
    }

    static String show(Object raw) {
        if (raw instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.valueOf(raw);
    }
}
