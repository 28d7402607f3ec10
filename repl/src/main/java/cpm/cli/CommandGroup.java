package cpm.cli;

/** A command that only groups subcommands ({@code data}, {@code weights}): alone it prints its usage. */
abstract class CommandGroup implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(Cli.out());
    }
}
