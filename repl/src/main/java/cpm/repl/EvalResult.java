package cpm.repl;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@link ScriptEngine#eval(String)} did with each complete snippet of the input, in order.
 *
 * @param outcomes one per snippet evaluated
 */
public record EvalResult(List<Outcome> outcomes) {

    /** What a snippet turned out to be. */
    public enum Kind {
        /** an expression; {@link Outcome#value()} is its live value */
        VALUE,
        /** a variable declared or assigned; {@link Outcome#value()} is its live value */
        VARIABLE,
        /** a method, class or import */
        DEFINITION,
        /** a statement without a value */
        STATEMENT,
        /** rejected by the compiler */
        COMPILE_ERROR,
        /** threw; {@link Outcome#exception()} is the live exception */
        EXCEPTION,
        /** ended by {@link ScriptEngine#stop()} (Ctrl-C) */
        STOPPED,
        /** called {@code System.exit}; {@link Outcome#value()} is the status */
        EXIT;

        /** Whether this outcome counts as a failure. */
        public boolean failed() {
            return this == COMPILE_ERROR || this == EXCEPTION || this == STOPPED;
        }
    }

    /**
     * One snippet's outcome.
     *
     * @param kind      what happened
     * @param name      the variable or expression name ({@code $3}, {@code x}), or null
     * @param source    the snippet source as typed
     * @param text      the rendering to show the user (may be empty)
     * @param value     the live value, the exit status for {@link Kind#EXIT}, or null
     * @param line      1-based line of the input where the snippet (or, for errors, the error) is
     * @param exception the live exception for {@link Kind#EXCEPTION}, else null
     */
    public record Outcome(Kind kind, String name, String source, String text, Object value, int line,
                          Throwable exception) {

        /** Whether this outcome is a failure; {@code System.exit(n)} with n != 0 counts as one. */
        public boolean failed() {
            return kind.failed() || (kind == Kind.EXIT && !Integer.valueOf(0).equals(value));
        }
    }

    public EvalResult {
        outcomes = List.copyOf(outcomes);
    }

    /** True when no snippet failed. */
    public boolean ok() {
        return outcomes.stream().noneMatch(Outcome::failed);
    }

    /** All renderings, one after another, blank ones left out. */
    public String text() {
        return outcomes.stream().map(Outcome::text).filter(t -> !t.isEmpty()).collect(Collectors.joining("\n"));
    }

    /** The value of the last snippet that had one (expression or variable), or null. */
    public Object value() {
        Object v = null;
        for (Outcome o : outcomes) {
            if (o.kind() == Kind.VALUE || o.kind() == Kind.VARIABLE) {
                v = o.value();
            }
        }
        return v;
    }

    /** The first failing outcome. */
    public Optional<Outcome> firstFailure() {
        return outcomes.stream().filter(Outcome::failed).findFirst();
    }
}
