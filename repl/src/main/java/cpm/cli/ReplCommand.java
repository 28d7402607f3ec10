package cpm.cli;

import cpm.repl.MetaCommands;
import cpm.repl.ReplShell;
import cpm.repl.ScriptEngine;
import cpm.repl.Workbench;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./cpm repl [--run DIR] [--recipe RECIPE]}: the JShell REPL with the training commands (docs/repl.md).
 * With {@code --run} the run's latest checkpoint is restored for exploration (no training happens until
 * {@code :step}); with {@code --recipe} that recipe is bound (default: the preset tiny) and {@code :compile}
 * builds it.
 */
@Command(name = "repl", mixinStandardHelpOptions = true,
        description = "Open the Java REPL with the training commands (:help lists them).")
final class ReplCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "DIR", description = "restore the latest checkpoint of this run folder")
    Path run;

    @Option(names = "--recipe", paramLabel = "RECIPE", description = "a preset, .json or .jsh (default: tiny)")
    String recipe;

    @Option(names = "--history", paramLabel = "FILE", description = "input history file (default: ~/.cpm/history)")
    Path historyFile;

    @Option(names = "--no-history", description = "keep the input history in memory only")
    boolean noHistory;

    @Override
    public Integer call() throws Exception {
        if (run != null && recipe != null) {
            throw new Main.BadInput("repl: give --run DIR or --recipe RECIPE, not both (a run has its own recipe)");
        }
        if (run != null) {
            Cli.latestCheckpoint(run);
        }
        var r = recipe == null ? null : Cli.recipe(recipe);
        Path hist = noHistory ? null : historyFile != null ? historyFile : ReplShell.defaultHistoryFile();
        Terminal terminal = TerminalBuilder.builder().system(true).name("cpm").build();
        try (ScriptEngine engine = new ScriptEngine();
             Workbench wb = new Workbench(engine, r);
             ReplShell shell = new ReplShell(engine, terminal, hist, MetaCommands.withDefaults())) {
            wb.install(shell.commands());
            if (run != null) {
                shell.terminal().writer().println(wb.load(run));
                shell.terminal().writer().flush();
            }
            int rc = shell.run();
            cpm.repl.ExitWatchdog.arm(rc, 3000);
            return rc;
        }
    }
}
