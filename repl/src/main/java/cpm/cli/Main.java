package cpm.cli;

import cpm.data.DataException;
import cpm.dsl.Presets;
import cpm.dsl.RecipeException;
import cpm.train.Checkpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The {@code ./cpm} command line (README.md, docs/tutorial.md). Exit status: 0 success, 2 bad input (recipe, data, options,
 * checkpoints), 1 anything else. Bad input prints one or two lines naming the file or field; a stack trace only
 * with {@code --debug}.
 */
@Command(name = "cpm", mixinStandardHelpOptions = true, version = "cpm 0.1.0",
        description = "Class-conditional Prompting Machine (CPM) for audio-visual segmentation: recipes, training, "
                + "evaluation, ablations, REPL.",
        subcommands = {DescribeCommand.class, DiffCommand.class, TrainCommand.class, EvalCommand.class,
            SynthCommand.class, DataCommand.class, AblateCommand.class, SweepCommand.class, RunCommand.class, ReplCommand.class,
            BenchCommand.class, WeightsCommand.class})
public final class Main implements Runnable {

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "print stack traces")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int rc = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(rc);
    }

    /** Runs a command line in-process and returns its exit status (tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        CommandLine cl = new CommandLine(new Main());
        listPresets(cl);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("cpm: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            // what was expected: the command's synopsis (its options and parameters)
            err.print("expected: " + ex.getCommandLine().getHelp().synopsis(0));
            err.println("(see " + ex.getCommandLine().getCommandName() + " --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> handle(ex, err, debug));
        Cli.OUT.set(out);
        Cli.ERR.set(err);
        try {
            return cl.execute(args);
        } finally {
            Cli.OUT.remove();
            Cli.ERR.remove();
        }
    }

    /**
     * Adds the preset names to the help of {@code ./cpm} and of every command that takes a RECIPE, where a reader
     * looks for what RECIPE may be.
     */
    static void listPresets(CommandLine cl) {
        StringBuilder footer = new StringBuilder(
                "%nPresets (a RECIPE may be one of these, a .json recipe or a .jsh recipe script):%n ");
        int column = 1;
        for (String name : new java.util.TreeSet<>(Presets.names())) { // lines picocli need not rewrap
            if (column + name.length() + 2 > 78) {
                footer.append("%n ");
                column = 1;
            }
            footer.append(' ').append(name).append(',');
            column += name.length() + 2;
        }
        footer.setLength(footer.length() - 1);
        cl.getCommandSpec().usageMessage().footer(footer.toString());
        for (CommandLine sub : cl.getSubcommands().values()) {
            boolean takesRecipe = sub.getCommandSpec().args().stream()
                    .anyMatch(a -> a.paramLabel().startsWith("RECIPE"));
            if (takesRecipe) {
                sub.getCommandSpec().usageMessage().footer(footer.toString());
            }
        }
    }

    static int handle(Throwable ex, PrintStream err, boolean debug) {
        Throwable t = ex;
        if (debug) {
            t.printStackTrace(err);
        }
        if (t instanceof RecipeException || t instanceof DataException || t instanceof Checkpoint.CheckpointException
                || t instanceof IllegalArgumentException || t instanceof BadInput) {
            err.println("cpm: " + t.getMessage());
            return 2;
        }
        if (t instanceof cpm.train.NonFiniteLossException nf) {
            err.println("cpm: training stopped: " + nf.getMessage() + "; terms " + nf.terms()
                    + "; the last good checkpoint is kept and nonfinite-report.json written");
            return 1;
        }
        err.println("cpm: " + t.getClass().getSimpleName() + ": " + t.getMessage()
                + (debug ? "" : " (run with --debug for the stack trace)"));
        return 1;
    }

    /** Bad input found by a command itself (exit 2). */
    public static final class BadInput extends RuntimeException {
        public BadInput(String message) {
            super(message);
        }
    }
}
