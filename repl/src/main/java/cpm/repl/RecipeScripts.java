package cpm.repl;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Recipes written as Java scripts ({@code recipes/*.jsh}): runs one in a {@link ScriptEngine} and finds its recipe,
 * or says in the recipe language's own terms ({@link RecipeException}, naming the file and line) why there is none.
 */
final class RecipeScripts {

    private RecipeScripts() {
    }

    /**
     * Runs a recipe script and returns its recipe: the variable {@code recipe} if the script declares or assigns
     * it, else the value of its last expression if that is a {@link Recipe}. The script stops at its first failure.
     *
     * @throws RecipeException naming the file (and line) when the script fails or yields no recipe
     */
    static Recipe evalRecipe(ScriptEngine engine, Path jsh) {
        String name = jsh.toString();
        if (!Files.isRegularFile(jsh)) {
            throw new RecipeException(List.of(new RecipeException.Problem("script " + name, "no such file",
                    "a readable .jsh file")));
        }
        ScriptFeeder.Run run;
        try {
            run = new ScriptFeeder(engine).feed(jsh, null, true);
        } catch (IOException e) {
            throw new RecipeException(List.of(new RecipeException.Problem("script " + name,
                    "unreadable (" + e.getMessage() + ")", "a readable UTF-8 .jsh file")));
        }
        if (run.failure() != null) {
            EvalResult.Outcome f = run.failure();
            if (f.exception() instanceof RecipeException re) {
                throw re.from(name + " line " + f.line());
            }
            String what = switch (f.kind()) {
                case COMPILE_ERROR -> "a compile error: " + oneLine(f.text()).replaceFirst("^Error: ", "");
                case STOPPED -> "the script was stopped";
                default -> oneLine(f.text());
            };
            throw new RecipeException(List.of(new RecipeException.Problem("script " + name + " line " + f.line(),
                    what, "a script that runs without errors")));
        }
        if (run.exitStatus() != null && run.exitStatus() != 0) {
            throw new RecipeException(List.of(new RecipeException.Problem("script " + name,
                    "System.exit(" + run.exitStatus() + ")", "a script that ends normally")));
        }
        boolean definesRecipe = run.outcomes().stream().anyMatch(o -> "recipe".equals(o.name()));
        if (definesRecipe) {
            Object v = engine.capture("recipe");
            if (v instanceof Recipe r) {
                return r;
            }
            throw new RecipeException(List.of(new RecipeException.Problem("script " + name,
                    "variable `recipe` holding " + (v == null ? "null" : "a " + v.getClass().getName()),
                    "a cpm.dsl.Recipe")));
        }
        Object last = null;
        for (EvalResult.Outcome o : run.outcomes()) {
            if (o.kind() == EvalResult.Kind.VALUE) {
                last = o.value();
            }
        }
        if (last instanceof Recipe r) {
            return r;
        }
        throw new RecipeException(List.of(new RecipeException.Problem("script " + name,
                "no variable `recipe` and no Recipe as last expression",
                "a script that declares `Recipe recipe = ...` or ends with an expression of type Recipe")));
    }

    private static String oneLine(String text) {
        return text.replaceAll("(?m)^\\|\\s*", "").replace('\n', ' ').strip();
    }
}
