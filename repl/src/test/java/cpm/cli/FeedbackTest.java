package cpm.cli;

import cpm.dsl.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 class 10, through the command line: progress a log can hold, ablate's run k/N and real seeds, a recipe
 * script that says what it is, help that lists presets and cites no missing files, the bench CSV's home.
 */
class FeedbackTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void progressOffATerminalIsABoundedNumberOfWholeLinesAndThePicturesAreLegible() throws Exception {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(12));
        Path out = tmp.resolve("run");
        CliFixtures.Result r = CliFixtures.cpm("train", recipe.toString(), "--out", out.toString(), "--no-silenced");
        assertEquals(0, r.code(), r.err());
        String all = r.out() + r.err();
        assertFalse(all.contains("\r"), "no carriage returns when the output is not a terminal:\n" + all);
        List<String> lines = r.err().lines().filter(l -> l.startsWith("train: step")).toList();
        // a line every 10% (and every 30 s): at most 10 for a run this short, fewer than one per step
        assertTrue(!lines.isEmpty() && lines.size() <= 10 && lines.size() < 12, lines.toString());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("train: step 12/12 (100%), loss "), last);
        assertTrue(last.matches(".*, [0-9.]+ steps/s, .* left"), last);
        // the pictures of the run: four panels per overlay, curves as two panels
        BufferedImage overlay = ImageIO.read(out.resolve("pictures/test-000.png").toFile());
        assertNotNull(overlay);
        assertTrue(overlay.getWidth() > 4 * overlay.getHeight() / 2, "image | truth | prediction | errors");
        BufferedImage curves = ImageIO.read(out.resolve("pictures/curves.png").toFile());
        assertEquals(2 * cpm.viz.Curves.PANEL_HEIGHT, curves.getHeight());
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void ablateNamesRunKOfNAndTheRealSeeds() throws Exception {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2));
        Path out = tmp.resolve("ablation");
        CliFixtures.Result r = CliFixtures.cpm("ablate", recipe.toString(), "--table", "4", "--steps", "2",
                "--seeds", "1", "--seed", "42", "--out", out.toString(), "--no-progress");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("ablation table 4: run (\\d+)/(\\d+), row (\\S+), seed (\\d+) \\((.*)\\)")
                .matcher(r.err());
        int k = 0;
        while (m.find()) {
            k++;
            assertEquals(k, Integer.parseInt(m.group(1)), "runs are counted 1..N");
            assertEquals(6, Integer.parseInt(m.group(2)), "6 rows x 1 seed");
            int seed = Integer.parseInt(m.group(4));
            assertEquals(42, seed, "the real seed, as the runs use it (not 0): " + m.group());
            assertTrue(k == 1 ? m.group(5).contains("after the first run") : m.group(5).matches("about .+ left"),
                    m.group());
            assertTrue(Files.isDirectory(out.resolve(m.group(3) + "-seed" + seed)), "run folder named by its seed");
        }
        assertEquals(6, k, r.err());
        assertFalse(Files.exists(out.resolve("baseline-seed0")));
        assertTrue(r.out().contains("seeds 42..42"), r.out());
        String csv = Files.readString(out.resolve("ablation-table4.csv"));
        assertTrue(csv.contains("\nbaseline,42,"), "the CSV names the same seed: " + csv);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void runningARecipeScriptSaysWhatItDefinesAndASilentScriptSaysSo() throws Exception {
        Path tiny = RunCommandTest.recipes().resolve("tiny.jsh");
        CliFixtures.Result r = CliFixtures.cpm("run", tiny.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("defines the recipe \"tiny\""), r.out());
        assertTrue(r.out().contains("1200 steps of batch 8"), "the recipe's own numbers: " + r.out());
        assertTrue(r.out().contains("./cpm train " + tiny), r.out());
        Path quiet = Files.writeString(tmp.resolve("quiet.jsh"), "int x = 1 + 1;\n");
        CliFixtures.Result q = CliFixtures.cpm("run", quiet.toString());
        assertEquals(0, q.code(), q.err());
        assertTrue(q.err().contains("quiet.jsh ran to its end and printed nothing"), q.err());
    }

    @Test
    void helpListsEveryPresetAndCitesNoSpecFiles() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"train", "--help"},
                new String[] {"ablate", "--help"}, new String[] {"describe", "--help"})) {
            CliFixtures.Result r = CliFixtures.cpm(args);
            assertEquals(0, r.code(), r.err());
            for (String preset : Presets.names()) {
                assertTrue(Pattern.compile("\\b" + Pattern.quote(preset) + "\\b").matcher(r.out()).find(),
                        String.join(" ", args) + " lists preset " + preset + ":\n" + r.out());
            }
        }
        for (String cmd : List.of("describe", "diff", "train", "eval", "synth", "data", "ablate", "run", "repl",
                "bench")) {
            CliFixtures.Result r = CliFixtures.cpm(cmd, "--help");
            assertFalse(r.out().contains("spec/"), cmd + " --help cites a file the repository lacks:\n" + r.out());
        }
        CliFixtures.Result d = CliFixtures.cpm("describe", "tiny");
        assertFalse(d.out().contains("spec/"), d.out());
    }

    @Test
    void benchWritesItsCsvUnderBenchResultsWhichGitIgnores() throws Exception {
        Path csv = BenchCommand.defaultOut();
        assertTrue(csv.endsWith(Path.of("bench", "results", "bench-results.csv")), csv.toString());
        Path root = RunCommandTest.recipes().toAbsolutePath().getParent();
        String ignore = Files.readString(root.resolve(".gitignore"));
        assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("bench/results/bench-results.csv")), ignore);
        CliFixtures.Result r = CliFixtures.cpm("bench", "--help");
        assertTrue(r.out().contains("bench/results/bench-results.csv"), r.out());
    }

    @Test
    void testsSilenceDjlsGpuDetection() {
        // mvn test printed DJL's CUDA detection warnings once per JVM start; surefire sets the logger to error
        assertEquals("error", System.getProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda"));
    }
}
