package cpm.dsl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeSourceTest {

    private static final Function<Path, Recipe> NO_JSH = p -> {
        throw new AssertionError("no script expected");
    };

    @Test
    void presetByName() {
        assertEquals(Presets.get("paper-ms3"), RecipeSource.load("paper-ms3", NO_JSH));
    }

    @Test
    void jsonFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.json");
        Files.writeString(f, RecipeJson.toJson(Presets.get("tiny").with("run.seed", 9)));
        assertEquals(Presets.get("tiny").with("run.seed", 9), RecipeSource.load(f.toString(), NO_JSH));
        Files.writeString(f, "{\"decoder\": {\"headz\": 1}}");
        assertEquals("recipe " + f + ": decoder.headz: found an unknown field, expected a known field (did you mean "
                + "decoder.heads?)", assertThrows(RecipeException.class, () -> RecipeSource.load(f.toString(), NO_JSH))
                .getMessage());
    }

    @Test
    void jshScriptGoesToTheLoader(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mine.jsh");
        Files.writeString(f, "var recipe = Presets.get(\"tiny\");\n");
        List<Path> asked = new ArrayList<>();
        Recipe r = RecipeSource.load(f.toString(), p -> {
            asked.add(p);
            return Presets.get("tiny");
        });
        assertEquals(Presets.get("tiny"), r);
        assertEquals(List.of(f), asked);
        RecipeException e = assertThrows(RecipeException.class, () -> RecipeSource.load(f.toString(),
                p -> Presets.get("tiny").with("decoder.heads", 0)));
        assertEquals("recipe " + f + ": decoder.heads: found 0, expected an integer in [1, 64]", e.getMessage());
    }

    @Test
    void errorsNameTheArgument(@TempDir Path dir) throws Exception {
        String known = String.join(", ", Presets.names());
        assertEquals("recipe: tinny: found an unknown preset, expected a preset (" + known + "), a .json recipe file "
                + "or a .jsh script", assertThrows(RecipeException.class, () -> RecipeSource.load("tinny", NO_JSH))
                .getMessage());
        String missing = dir.resolve("nope.json").toString();
        assertEquals("recipe: " + missing + ": found no such file, expected an existing .json recipe file",
                assertThrows(RecipeException.class, () -> RecipeSource.load(missing, NO_JSH)).getMessage());
        String missingJsh = dir.resolve("nope.jsh").toString();
        assertEquals("recipe: " + missingJsh + ": found no such file, expected an existing .jsh script",
                assertThrows(RecipeException.class, () -> RecipeSource.load(missingJsh, NO_JSH)).getMessage());
        Path yaml = dir.resolve("r.yaml");
        Files.writeString(yaml, "name: x\n");
        assertEquals("recipe: " + yaml + ": found a file that is neither .json nor .jsh, expected a preset (" + known
                + "), a .json recipe file or a .jsh script",
                assertThrows(RecipeException.class, () -> RecipeSource.load(yaml.toString(), NO_JSH)).getMessage());
        assertTrue(assertThrows(RecipeException.class, () -> RecipeSource.load(dir.resolve("a.txt").toString(), NO_JSH))
                .getMessage().contains(": found no preset or .json/.jsh file of that name, expected a preset ("));
    }
}
