package cpm.cli;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import cpm.dsl.RecipeOverrides;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code --set FIELD=VALUE} (repeatable), shared by every command that takes a recipe: recipe fields by their dotted
 * name (detectron2's habit), parsed by the field's type and checked like any recipe ({@link RecipeOverrides}).
 */
final class SetOption {

    @Option(names = "--set", paramLabel = "FIELD=VALUE",
            description = "set a recipe field by its dotted name, e.g. --set classifier.components=5; repeatable "
                    + "(./cpm describe lists the fields; lists are comma-separated; name=NEW renames)")
    List<String> assignments = new ArrayList<>();

    boolean given() {
        return !assignments.isEmpty();
    }

    /** {@code r} with the assignments; a wrong one is bad input (exit 2) naming {@code --set FIELD}. */
    Recipe applyTo(Recipe r) {
        try {
            return RecipeOverrides.apply(r, assignments, "--set");
        } catch (RecipeException e) {
            List<RecipeException.Problem> p = e.problems();
            throw new Main.BadInput(p.size() == 1 ? p.get(0).toString() : p.size() + " problems with --set\n"
                    + p.stream().map(x -> "  " + x).collect(Collectors.joining("\n")));
        }
    }
}
