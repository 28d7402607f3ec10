package cpm.cli;

import cpm.data.DataCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./cpm data check PATH [--kind KIND]}. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data set tools.",
        subcommands = DataCommand.Check.class)
final class DataCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(Cli.out());
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check a data set on disk without training; list every problem found.")
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "PATH")
        Path path;

        @Option(names = "--kind", defaultValue = "avss",
                description = "avss, s4, ms3, vpo-ss, vpo-ms, vpo-msmi (default: ${DEFAULT-VALUE}; synthetic sets use avss)")
        String kind;

        @Override
        public Integer call() {
            var problems = DataCheck.check(path, kind);
            for (var p : problems) {
                Cli.out().println(p);
            }
            if (problems.isEmpty()) {
                Cli.out().println("ok: no problems found in " + path + " (" + kind + ")");
                return 0;
            }
            Cli.err().println("cpm: " + problems.size() + " problem(s) in " + path);
            return 2;
        }
    }
}
