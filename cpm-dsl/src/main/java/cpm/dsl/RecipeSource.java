package cpm.dsl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Turns the RECIPE argument of the command line (README.md) into a recipe: the name of a built-in preset, a
 * {@code .json} file written by the toolkit, or a {@code .jsh} script. Scripts need JShell, which lives in the repl
 * module, so their evaluation is passed in as {@code jshLoader}.
 */
public final class RecipeSource {

    private RecipeSource() {
    }

    /**
     * Loads a recipe. Errors name the argument and what was expected: an unknown preset, a missing or unreadable
     * file, or a file that is neither {@code .json} nor {@code .jsh}.
     */
    public static Recipe load(String arg, Function<Path, Recipe> jshLoader) {
        if (arg == null || arg.isBlank()) {
            throw problem(arg, "nothing", expected());
        }
        if (Presets.exists(arg)) {
            return Presets.get(arg);
        }
        String lower = arg.toLowerCase();
        boolean json = lower.endsWith(".json");
        boolean jsh = lower.endsWith(".jsh");
        if (!json && !jsh) {
            Path p = Path.of(arg);
            String found = Files.exists(p) ? "a file that is neither .json nor .jsh"
                    : arg.contains("/") || arg.contains(".") ? "no preset or .json/.jsh file of that name"
                    : "an unknown preset";
            throw problem(arg, found, expected());
        }
        Path file = Path.of(arg);
        if (!Files.isRegularFile(file)) {
            throw problem(arg, Files.exists(file) ? "a folder" : "no such file",
                    "an existing " + (json ? ".json recipe file" : ".jsh script"));
        }
        if (json) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw problem(arg, "an unreadable file (" + e.getMessage() + ")", "a readable .json recipe file");
            }
            return RecipeJson.fromJson(text, arg);
        }
        if (jshLoader == null) {
            throw problem(arg, "a .jsh script but no JShell here", "a preset name or a .json file");
        }
        try {
            Recipe r = jshLoader.apply(file);
            if (r == null) {
                throw problem(arg, "a script that defines no recipe", "a script ending in a variable named recipe");
            }
            return r;
        } catch (RecipeException e) {
            throw e.source() == null ? e.from(arg) : e;
        }
    }

    private static String expected() {
        return "a preset (" + String.join(", ", Presets.names()) + "), a .json recipe file or a .jsh script";
    }

    private static RecipeException problem(String arg, String found, String expected) {
        return new RecipeException(List.of(new RecipeException.Problem(arg == null ? "recipe" : arg, found, expected)));
    }
}
