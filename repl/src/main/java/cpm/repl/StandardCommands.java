package cpm.repl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tech.tablesaw.api.Table;

/** The generic meta-commands: :help, :quit, :history, :load, :vars, :export, :reset. */
final class StandardCommands {

    private StandardCommands() {
    }

    static void registerAll(MetaCommands m) {
        m.register("help", "[NAME]", "list the commands, or explain one",
                (args, ctx) -> args.isEmpty() ? ctx.commands().helpText() : ctx.commands().helpText(args));
        m.register("quit", "", "leave the REPL (Ctrl-D too)", (args, ctx) -> {
            ctx.quit();
            return null;
        });
        m.register("history", "[N]", "show the last N input lines (all by default)",
                "The history is kept across sessions in ~/.cpm/history. Up/Down and Ctrl-R search it.",
                StandardCommands::history);
        m.register("load", "FILE.jsh", "run a JShell script in this session",
                "Lines are fed as the jshell tool does: a snippet may span lines, /exit ends the script,\n"
                        + "other /commands are skipped, and a failing snippet is reported and the script goes on.",
                StandardCommands::load);
        m.register("vars", "", "list the JShell variables with their types and values",
                (args, ctx) -> {
                    List<String> vars = ctx.engine().variables();
                    return vars.isEmpty() ? "|  no variables" : "|    " + String.join("\n|    ", vars);
                });
        m.register("export", "NAME FILE.csv", "write a Table-valued variable (or `last`) as CSV",
                "NAME is any JShell expression of type tech.tablesaw.api.Table, usually a variable or `last`\n"
                        + "(the table the previous command showed). The file is written atomically.",
                StandardCommands::export);
        m.register("reset", "", "drop all snippets; keep the default imports and host variables",
                (args, ctx) -> {
                    ctx.engine().reset();
                    return "|  reset: snippets dropped, default imports and host variables restored";
                });
    }

    private static Object history(String args, MetaContext ctx) {
        List<String> h = ctx.history();
        int n = h.size();
        if (!args.isEmpty()) {
            try {
                n = Integer.parseInt(args);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("usage: :history [N]; found \"" + args + "\", expected a count");
            }
        }
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, h.size() - n); i < h.size(); i++) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(String.format("%5d  %s", i + 1, h.get(i).replace("\n", "\n       ")));
        }
        return b.toString();
    }

    private static Object load(String args, MetaContext ctx) throws Exception {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("usage: :load FILE.jsh");
        }
        Path file = path(args);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such file " + file);
        }
        boolean failed = ctx.engine().runScript(file, ctx.out());
        return "|  loaded " + file + (failed ? " with errors (see above)" : "");
    }

    private static Object export(String args, MetaContext ctx) throws Exception {
        String[] a = args.isEmpty() ? new String[0] : args.split("\\s+");
        if (a.length != 2) {
            throw new IllegalArgumentException("usage: :export NAME FILE.csv");
        }
        Object v = ctx.engine().capture(a[0]);
        if (!(v instanceof Table t)) {
            throw new IllegalArgumentException(a[0] + " is " + (v == null ? "null" : "a " + v.getClass().getName())
                    + ", expected a tech.tablesaw.api.Table");
        }
        Path file = path(a[1]);
        CsvExport.write(t, file);
        return "|  wrote " + t.rowCount() + " rows and " + t.columnCount() + " columns to " + file;
    }

    static Path path(String s) {
        String p = s.strip();
        if (p.length() >= 2 && (p.startsWith("\"") && p.endsWith("\"") || p.startsWith("'") && p.endsWith("'"))) {
            p = p.substring(1, p.length() - 1);
        }
        if (p.equals("~") || p.startsWith("~/")) {
            p = System.getProperty("user.home") + p.substring(1);
        }
        return Path.of(p);
    }
}
