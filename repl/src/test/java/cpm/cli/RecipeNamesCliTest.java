package cpm.cli;

import cpm.dsl.Presets;
import cpm.dsl.RecipeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19, class 8: a recipe name becomes runs/NAME, so a name from a recipe file that could leave runs/ (or make
 * an odd folder) is refused with exit 2 before anything is written; trailing text after a JSON recipe is refused
 * with its line and column.
 */
class RecipeNamesCliTest {

    /** A recipe file whose "name" is {@code name} (written as a JSON string, so control characters are escaped). */
    private static Path recipeNamed(Path dir, String file, String name) throws IOException {
        String json = RecipeJson.toJson(CliFixtures.quick(2)).replaceFirst("\"name\" : \"[^\"]*\"",
                java.util.regex.Matcher.quoteReplacement("\"name\" : " + new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(name)));
        return Files.writeString(dir.resolve(file), json);
    }

    private static Set<Path> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.collect(Collectors.toSet());
        }
    }

    @Test
    void namesThatWouldLeaveRunsOrMakeOddFoldersAreRefusedAndNothingIsWritten(@TempDir Path tmp) throws IOException {
        String unique = "cpm-escape-" + System.nanoTime();
        Path absolute = tmp.resolve("abs-" + unique);
        List<String> bad = List.of("../../" + unique, absolute.toString(), "a/b", "bell\u0007\nx", "", ".", "..",
                ".hidden", "-rf", "x".repeat(65), "tab\tname");
        Path runs = Path.of("runs").toAbsolutePath();
        Set<String> runsBefore = runs.toFile().exists() ? Set.of(runs.toFile().list()) : Set.of();
        int i = 0;
        for (String name : bad) {
            Path file = recipeNamed(tmp, "r" + i++ + ".json", name);
            Set<Path> before = tree(tmp);
            CliFixtures.Result r = CliFixtures.cpm("train", file.toString(), "--steps", "1", "--no-progress");
            assertEquals(2, r.code(), name + ": " + r.err());
            assertTrue(r.err().contains(file + ": name: found "), r.err());
            assertTrue(r.err().contains("expected 1-64 letters, digits"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one message: " + r.err());
            assertFalse(r.err().contains("\u0007") || r.err().contains("\t"), "control characters are escaped: " + r.err());
            assertEquals(before, tree(tmp), name + ": nothing written in the temporary folder");
        }
        assertTrue(CliFixtures.cpm("train", recipeNamed(tmp, "ctl.json", "a\u0007b").toString()).err()
                .contains("\"a\\u0007b\""), "the bell character is shown as \\u0007");
        assertFalse(Files.exists(runs.resolve("../../" + unique).normalize()), "nothing outside runs/");
        assertFalse(Files.exists(absolute), "nothing at the absolute path");
        Set<String> runsAfter = runs.toFile().exists() ? Set.of(runs.toFile().list()) : Set.of();
        assertEquals(runsBefore, runsAfter, "no folder created under runs/");
    }

    @Test
    void theSameRuleHoldsForSetAndAblate(@TempDir Path tmp) throws IOException {
        CliFixtures.Result set = CliFixtures.cpm("train", "tiny", "--set", "name=/tmp/x", "--out", tmp.resolve("o").toString());
        assertEquals(2, set.code(), set.err());
        assertTrue(set.err().contains("--set name: found \"/tmp/x\", expected 1-64 letters"), set.err());
        assertFalse(Files.exists(tmp.resolve("o")));

        Path file = recipeNamed(tmp, "bad.json", "../up");
        CliFixtures.Result ablate = CliFixtures.cpm("ablate", file.toString(), "--table", "4", "--out",
                tmp.resolve("abl").toString());
        assertEquals(2, ablate.code(), ablate.err());
        assertTrue(ablate.err().contains("name: found \"../up\""), ablate.err());
        assertFalse(Files.exists(tmp.resolve("abl")));

        // a long but valid base name still gives valid row names
        Path longName = recipeNamed(tmp, "long.json", "n".repeat(64));
        CliFixtures.Result d = CliFixtures.cpm("describe", longName.toString());
        assertEquals(0, d.code(), d.err());
        assertEquals(6, cpm.dsl.Ablations.table4(Presets.get("tiny").named("n".repeat(64))).stream()
                .filter(row -> cpm.dsl.RecipeNames.valid(row.recipe().name())).count());
    }

    @Test
    void trailingTextAfterAJsonRecipeIsRefusedWithItsPosition(@TempDir Path tmp) throws IOException {
        String json = RecipeJson.toJson(CliFixtures.quick(2)).strip();
        int lines = (int) json.lines().count();
        Path junk = Files.writeString(tmp.resolve("junk.json"), json + " xyz\n");
        CliFixtures.Result r = CliFixtures.cpm("train", junk.toString(), "--out", tmp.resolve("o1").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("junk.json: json: found text that is not JSON (xyz) at line " + lines + ", column 3"),
                r.err());
        assertTrue(r.err().contains("expected the end of the file"), r.err());
        assertFalse(Files.exists(tmp.resolve("o1")));

        Path two = Files.writeString(tmp.resolve("two.json"), json + "\n{\"name\": \"other\"}\n");
        CliFixtures.Result t = CliFixtures.cpm("describe", two.toString());
        assertEquals(2, t.code(), t.err());
        assertTrue(t.err().contains("found a second JSON object ({\"name\": \"other\"}) at line " + (lines + 1)
                + ", column 1"), t.err());

        Path spaces = Files.writeString(tmp.resolve("spaces.json"), json + "\n\n   \n");
        assertEquals(0, CliFixtures.cpm("describe", spaces.toString()).code(), "trailing white space is fine");
    }
}
