package cpm.cli;

import cpm.dsl.Recipe;
import cpm.repl.ScriptEngine;
import cpm.repl.Workbench;
import cpm.dsl.Presets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./cpm run SCRIPT.jsh [ARGS...]}: runs a JShell script with the REPL's bindings ({@code recipe},
 * {@code session}, {@code model}, {@code data}, {@code history}, {@code evaluation}) and {@code args} bound as the
 * String[] of the remaining arguments. A failing snippet is reported as {@code FILE:LINE: ...} and the script goes
 * on; the exit status is 1 when any snippet failed (or the script called System.exit with n != 0), else 0. A
 * recipe script (one that defines {@code recipe}) is described, with how to train it; a script that printed
 * nothing says so on stderr, so a run is never silent.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a .jsh script with the REPL's variables; `args` holds the arguments after the script.")
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "a .jsh file")
    Path script;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "bound in the script as String[] args")
    List<String> args = new ArrayList<>();

    @Option(names = "--recipe", paramLabel = "RECIPE", description = "the recipe bound as `recipe` (default: tiny)")
    String recipe;

    @Mixin
    SetOption set;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(script)) {
            throw new Main.BadInput("run: found no file " + script + ", expected a .jsh script");
        }
        var r = recipe != null ? Cli.recipe(recipe, set) : set.given() ? set.applyTo(Presets.get("tiny")) : null;
        CountingStream counted = new CountingStream(Cli.out());
        PrintStream out = new PrintStream(counted, true, StandardCharsets.UTF_8); // not closed: Cli.out() stays open
        try (ScriptEngine engine = ScriptEngine.builder().out(out).build();
             Workbench wb = new Workbench(engine, r)) {
            engine.bind("args", String[].class, args.toArray(new String[0]));
            Recipe given = wb.recipe();
            boolean failed = engine.runScript(script, Cli.err());
            out.flush();
            Object after = failed ? null : capture(engine, "recipe");
            if (after instanceof Recipe defined && defined != given) {
                Cli.out().println(recipeSummary(script, defined));
            } else if (counted.count == 0 && !failed) {
                Cli.err().println("cpm run: " + script + " ran to its end and printed nothing");
            }
            return failed ? 1 : 0;
        }
    }

    private static Object capture(ScriptEngine engine, String name) {
        try {
            return engine.capture(name);
        } catch (RuntimeException e) {
            return null; // the script dropped the variable
        }
    }

    /**
     * What running a recipe script did: it defined a recipe and trained nothing, so say which recipe and how to
     * train or inspect it.
     */
    static String recipeSummary(Path script, Recipe r) {
        return String.format(Locale.ROOT, "%s defines the recipe \"%s\" (classifier %s, CPM %s, %s image at %d px,"
                        + " %s data, %d steps of batch %d); running it trains nothing.%n"
                        + "  train it:       ./cpm train %s%n  every field:    ./cpm describe %s",
                script, r.name(), r.classifier().kind(), r.cpmOn() ? "on" : "off", r.image().backbone(),
                r.image().size(), r.data().kind(), r.optim().steps(), r.optim().batchSize(), script, script);
    }

    /** Counts the bytes a script prints, so that a silent script can be told apart. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            count++;
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count += len;
            out.write(b, off, len);
        }
    }
}
