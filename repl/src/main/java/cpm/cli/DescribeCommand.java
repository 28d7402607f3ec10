package cpm.cli;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code ./cpm describe RECIPE [--json] [--set FIELD=VALUE]...}. */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Print the fully resolved recipe (every field, defaults included).")
final class DescribeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", description = "a preset name (e.g. tiny), a .json recipe or a .jsh script")
    String recipe;

    @Option(names = "--json", description = "print the JSON form that train writes")
    boolean json;

    @Mixin
    SetOption set;

    @Override
    public Integer call() {
        Recipe r = Cli.recipe(recipe, set);
        Cli.out().print(json ? RecipeJson.toJson(r) + "\n" : r.describe());
        return 0;
    }
}
