package cpm.cli;

import cpm.dsl.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code ./cpm diff A B [--set FIELD=VALUE]...}: the fields that differ, one a line; --set changes B. */
@Command(name = "diff", mixinStandardHelpOptions = true, description = "Print the fields that differ between two recipes.")
final class DiffCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RECIPE_A")
    String a;

    @Parameters(index = "1", paramLabel = "RECIPE_B")
    String b;

    /** Applied to RECIPE_B, so that {@code diff tiny tiny --set x=y} shows what the assignments change. */
    @Mixin
    SetOption set;

    @Override
    public Integer call() {
        Recipe ra = Cli.recipe(a);
        Recipe rb = Cli.recipe(b, set);
        var lines = ra.diff(rb);
        if (lines.isEmpty()) {
            Cli.out().println("(no differences)");
        }
        lines.forEach(Cli.out()::println);
        return 0;
    }
}
