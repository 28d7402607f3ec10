package cpm.repl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import tech.tablesaw.api.Table;

/**
 * The registry of {@code :commands}. Lines starting with {@code :} go here, everything else to JShell. Register
 * with {@code registry.register("step", "[N]", "train N steps with a progress line", (args, ctx) -> ...)};
 * registering a name again replaces the command (the previous one is returned, so a new handler can delegate).
 */
public final class MetaCommands {

    private final Map<String, MetaCommand> commands = new TreeMap<>();

    /** An empty registry. */
    public MetaCommands() {
    }

    /** A registry with the generic commands (:help, :quit, :history, :load, :vars, :export, :reset). */
    public static MetaCommands withDefaults() {
        MetaCommands m = new MetaCommands();
        StandardCommands.registerAll(m);
        return m;
    }

    /** Registers (or replaces) a command; returns the one it replaced, or null. */
    public synchronized MetaCommand register(String name, String synopsis, String help, MetaHandler handler) {
        return register(new MetaCommand(name, synopsis, help, "", handler));
    }

    /** Registers (or replaces) a command with longer help text for {@code :help name}. */
    public synchronized MetaCommand register(String name, String synopsis, String help, String details,
                                             MetaHandler handler) {
        return register(new MetaCommand(name, synopsis, help, details, handler));
    }

    /** Registers (or replaces) a command; returns the one it replaced, or null. */
    public synchronized MetaCommand register(MetaCommand command) {
        return commands.put(command.name(), command);
    }

    public synchronized Optional<MetaCommand> get(String name) {
        return Optional.ofNullable(commands.get(name));
    }

    /** All commands, by name. */
    public synchronized Collection<MetaCommand> all() {
        return List.copyOf(commands.values());
    }

    public synchronized List<String> names() {
        return List.copyOf(commands.keySet());
    }

    /**
     * Runs a command line ({@code :name args} or {@code name args}). A name that is a unique prefix of a command
     * runs that command. Failures are returned as text, never thrown.
     */
    public MetaResult dispatch(String line, MetaContext ctx) {
        String l = line.strip();
        if (l.startsWith(":")) {
            l = l.substring(1);
        }
        int sp = indexOfSpace(l);
        String name = sp < 0 ? l : l.substring(0, sp);
        String args = sp < 0 ? "" : l.substring(sp + 1).strip();
        MetaCommand c;
        try {
            c = resolve(name);
        } catch (IllegalArgumentException e) {
            return new MetaResult(false, "|  " + e.getMessage(), null);
        }
        Object value;
        try {
            value = c.handler().handle(args, ctx);
        } catch (java.util.concurrent.CancellationException e) {
            return new MetaResult(false, "|  :" + c.name() + " stopped", null);
        } catch (Exception | LinkageError | AssertionError e) {
            String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            boolean plain = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof java.io.IOException;
            if (!plain && e.getMessage() != null) {
                msg = e.getClass().getSimpleName() + ": " + msg;
            }
            return new MetaResult(false, "|  :" + c.name() + " failed: " + msg, null);
        }
        if (value instanceof WholeTable w) {
            Readable.apply(w.table());
            ctx.engine().bind("last", Table.class, w.table());
            return new MetaResult(true, "last ==> \n" + w.table().printAll(), w.table());
        }
        if (value instanceof Table t) {
            Readable.apply(t);
            ctx.engine().bind("last", Table.class, t);
            return new MetaResult(true, "last ==> " + ctx.engine().render(t, null), t);
        }
        return new MetaResult(true, value == null ? "" : value.toString(), value);
    }

    /** A handler's table to be printed whole (not cut to the first and last rows); bound as {@code last}. */
    public record WholeTable(Table table) {
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The command called {@code name}, or the one it uniquely abbreviates. */
    public synchronized MetaCommand resolve(String name) {
        MetaCommand c = commands.get(name);
        if (c != null) {
            return c;
        }
        List<String> prefixed = commands.keySet().stream().filter(n -> !name.isEmpty() && n.startsWith(name))
                .collect(Collectors.toList());
        if (prefixed.size() == 1) {
            return commands.get(prefixed.get(0));
        }
        List<String> close = prefixed.isEmpty() ? closeNames(name) : prefixed;
        String hint = close.isEmpty() ? ""
                : (prefixed.size() > 1 ? "; it could be " : "; did you mean ")
                + close.stream().map(n -> ":" + n).collect(Collectors.joining(", ")) + "?";
        throw new IllegalArgumentException("unknown command :" + name + hint + " (:help lists all commands)");
    }

    /** Names within edit distance 2 of {@code name}, or containing it, closest first. */
    public synchronized List<String> closeNames(String name) {
        List<String> out = new ArrayList<>();
        for (int d = 0; d <= 2; d++) {
            for (String n : commands.keySet()) {
                if (!out.contains(n) && distance(name, n) == d) {
                    out.add(n);
                }
            }
        }
        for (String n : commands.keySet()) {
            if (!out.contains(n) && name.length() >= 2 && (n.contains(name) || name.contains(n))) {
                out.add(n);
            }
        }
        return out;
    }

    static int distance(String a, String b) {
        return cpm.dsl.Suggestions.levenshtein(a, b);
    }

    /** The {@code :help} listing: one line per command. */
    public synchronized String helpText() {
        int width = commands.values().stream().mapToInt(c -> c.usage().length()).max().orElse(0);
        StringBuilder b = new StringBuilder("|  Type Java snippets, or one of these commands:");
        for (MetaCommand c : commands.values()) {
            b.append("\n|    ").append(String.format("%-" + width + "s", c.usage())).append("  ").append(c.help());
        }
        b.append("\n|  :help NAME shows more about one command. Tab completes code and command names.");
        return b.toString();
    }

    /** {@code :help NAME}. */
    public synchronized String helpText(String name) {
        MetaCommand c = resolve(name.startsWith(":") ? name.substring(1) : name);
        StringBuilder b = new StringBuilder("|  ").append(c.usage()).append("\n|    ").append(c.help());
        if (!c.details().isEmpty()) {
            for (String l : c.details().split("\n")) {
                b.append("\n|    ").append(l);
            }
        }
        return b.toString();
    }
}
