package cpm.cli;

import cpm.repl.ScriptEngine;
import cpm.repl.Workbench;
import cpm.dsl.Presets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./cpm run SCRIPT.jsh [ARGS...]}: runs a JShell script with the REPL's bindings ({@code recipe},
 * {@code session}, {@code model}, {@code data}, {@code history}, {@code evaluation}) and {@code args} bound as the
 * String[] of the remaining arguments. A failing snippet is reported as {@code FILE:LINE: ...} and the script goes
 * on; the exit status is 1 when any snippet failed (or the script called System.exit with n != 0), else 0.
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
        try (ScriptEngine engine = ScriptEngine.builder().out(Cli.out()).build();
             Workbench wb = new Workbench(engine, r)) {
            engine.bind("args", String[].class, args.toArray(new String[0]));
            boolean failed = engine.runScript(script, Cli.err());
            return failed ? 1 : 0;
        }
    }
}
