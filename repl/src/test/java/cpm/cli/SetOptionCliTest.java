package cpm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --set FIELD=VALUE} on the commands that take a recipe: values parsed by the field's type and checked like a
 * recipe file; a wrong one is exit 2 naming {@code --set FIELD}, what was found and what was expected. (The values
 * reaching a trained run's recipe.json are checked in {@link SeedsCliTest}.)
 */
class SetOptionCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void assignmentsAreParsedByTheFieldsTypeAndShowInTheResolvedRecipe() throws IOException {
        CliFixtures.Result r = CliFixtures.cpm("describe", "tiny", "--json", "--set", "classifier.components=5",
                "--set", "optim.lr=2e-3", "--set", "cpm.pcl=off", "--set", "eval.protocol=per-dataset",
                "--set", "data.preset=ss", "--set", "data.classes=background, sounding", "--set", "name=tiny-m5");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("tiny-m5", j.get("name").asText());
        assertEquals(5, j.get("classifier").get("components").intValue());
        assertTrue(j.get("classifier").get("components").isInt(), "an integer, not the text \"5\"");
        assertEquals(2e-3, j.get("optim").get("lr").doubleValue());
        assertFalse(j.get("cpm").get("pcl").booleanValue());
        assertEquals(List.of("background", "sounding"),
                JSON.convertValue(j.get("data").get("classes"), List.class));

        CliFixtures.Result diff = CliFixtures.cpm("diff", "tiny", "tiny", "--set", "classifier.components=5",
                "--set", "optim.lr=0.01");
        assertEquals(0, diff.code(), diff.err());
        assertEquals(List.of("classifier.components: 3 -> 5", "optim.lr: 0.001 -> 0.01"), diff.out().lines().toList());
    }

    @Test
    void unknownFieldsAndBadValuesAreExitTwoNamingTheAssignment(@TempDir Path tmp) {
        String[][] cases = {
            {"classifier.componets=5", "--set classifier.componets: found an unknown field", "did you mean classifier.components?"},
            {"decoder.heads=four", "--set decoder.heads: found \"four\"", "expected an integer in [1, 64]"},
            {"classifier.components=0", "--set classifier.components: found \"0\"", "expected an integer in [1, 64]"},
            {"decoder.heads=5", "--set decoder.heads: found 5", "expected a divisor of decoder.hiddenDim (64)"},
            {"cpm.pcl=maybe", "--set cpm.pcl: found \"maybe\"", "expected true or false"},
            {"eval.protocol=voc", "--set eval.protocol: found \"voc\"", "expected one of per-dataset, per-image"},
            {"classifier.components", "--set classifier.components: found no '='", "expected FIELD=VALUE"},
        };
        for (String[] c : cases) {
            for (String command : List.of("describe", "train", "ablate", "run")) {
                Path out = tmp.resolve(command + "-" + c[0].replaceAll("\\W", "_"));
                List<String> args = switch (command) {
                    case "train" -> List.of("train", "tiny", "--set", c[0], "--out", out.toString());
                    case "ablate" -> List.of("ablate", "tiny", "--table", "5", "--set", c[0], "--out", out.toString());
                    case "run" -> List.of("run", "--set", c[0], "missing.jsh");
                    default -> List.of("describe", "tiny", "--set", c[0]);
                };
                if (command.equals("run")) {
                    // run checks its script first; give it one that exists
                    args = List.of("run", "--set", c[0], writeScript(tmp).toString());
                }
                CliFixtures.Result r = CliFixtures.cpm(args.toArray(String[]::new));
                assertEquals(2, r.code(), command + " " + c[0] + ": " + r.err());
                assertTrue(r.err().startsWith("cpm: " + c[1]) && r.err().contains(c[2]), command + ": " + r.err());
                assertFalse(r.err().contains("\tat "), "no stack trace");
                assertFalse(Files.exists(out), "nothing written");
            }
        }
        CliFixtures.Result two = CliFixtures.cpm("describe", "tiny", "--set", "x.y=1", "--set", "decoder.heads=x");
        assertEquals(2, two.code());
        assertTrue(two.err().startsWith("cpm: 2 problems with --set"), two.err());
    }

    private static Path writeScript(Path dir) {
        try {
            return Files.writeString(dir.resolve("noop.jsh"), "int x = 1;\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
