package cpm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --seeds}: each seed trained into OUT/seed-S with the --set assignments in its recipe.json, one line per
 * seed, and a mean +- sample sd line that must equal what the per-seed lines give.
 */
class SeedsCliTest {

    private static final Pattern SEED_LINE = Pattern.compile("^seed (\\d+): test mIoU ([0-9.]+)  F-beta ([0-9.]+) .*$");
    private static final Pattern SUMMARY = Pattern.compile(
            "^seeds 3, 5: mIoU ([0-9.]+) \\+- ([0-9.]+)  F-beta ([0-9.]+) \\+- ([0-9.]+)  \\(mean \\+- sample sd over 2 seeds, per-dataset protocol\\)$");

    @Test
    void seedsRunOneAfterAnotherAndTheSummaryIsTheirMeanAndSampleSd(@TempDir Path tmp) throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2).with("run.pictures", 0));
        Path out = tmp.resolve("sweep");
        CliFixtures.Result r = CliFixtures.cpm("train", recipe.toString(), "--seeds", "3,5", "--out", out.toString(),
                "--set", "classifier.components=4", "--set", "loss.diceWeight=4.5", "--no-progress", "--no-silenced");
        assertEquals(0, r.code(), r.err());
        List<int[]> seeds = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();
        double[] summary = null;
        for (String line : r.out().lines().toList()) {
            Matcher m = SEED_LINE.matcher(line);
            if (m.matches()) {
                seeds.add(new int[] {Integer.parseInt(m.group(1))});
                scores.add(new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))});
            }
            Matcher s = SUMMARY.matcher(line);
            if (s.matches()) {
                summary = new double[] {Double.parseDouble(s.group(1)), Double.parseDouble(s.group(2)),
                        Double.parseDouble(s.group(3)), Double.parseDouble(s.group(4))};
            }
        }
        assertEquals(List.of(3, 5), seeds.stream().map(a -> a[0]).toList(), r.out());
        assertTrue(summary != null, "a mean +- sd line: " + r.out());
        for (int k = 0; k < 2; k++) {
            double a = scores.get(0)[k], b = scores.get(1)[k];
            double mean = (a + b) / 2;
            double sd = Math.sqrt(((a - mean) * (a - mean) + (b - mean) * (b - mean)) / (2 - 1));
            // the per-seed lines are rounded to 4 decimals, the summary is computed from the unrounded scores
            assertEquals(mean, summary[2 * k], 1.01e-4, "mean of metric " + k);
            assertEquals(sd, summary[2 * k + 1], 1.5e-4, "sample sd of metric " + k);
        }
        ObjectMapper json = new ObjectMapper();
        for (int seed : List.of(3, 5)) {
            JsonNode rec = json.readTree(out.resolve("seed-" + seed).resolve("recipe.json").toFile());
            assertEquals(seed, rec.get("run").get("seed").intValue());
            assertEquals(4, rec.get("classifier").get("components").intValue(), "--set reached recipe.json");
            assertEquals(4.5, rec.get("loss").get("diceWeight").doubleValue());
            assertTrue(Files.isDirectory(out.resolve("seed-" + seed).resolve("checkpoints")));
        }
        List<String> csv = Files.readAllLines(out.resolve("seeds.csv"));
        assertEquals(3, csv.size(), csv.toString());
        for (int i = 0; i < 2; i++) {
            String[] f = csv.get(i + 1).split(",");
            assertEquals(String.valueOf(List.of(3, 5).get(i)), f[0]);
            assertEquals(String.format(Locale.ROOT, "%.4f", scores.get(i)[0]),
                    String.format(Locale.ROOT, "%.4f", Double.parseDouble(f[1])));
        }

        // the same sweep again would mix two runs' files: refused before any training
        CliFixtures.Result again = CliFixtures.cpm("train", recipe.toString(), "--seeds", "3,5", "--out", out.toString());
        assertEquals(2, again.code(), again.err());
        assertTrue(again.err().contains("seed-3: found a run with checkpoints"), again.err());
    }

    @Test
    void badSeedListsAreExitTwoBeforeAnyTraining(@TempDir Path tmp) throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2).with("run.pictures", 0));
        String[][] cases = {
            {"0", "--seeds: found 0"}, {"1,,2", "--seeds: found \"1,,2\""}, {"1,1", "seed 1 twice"},
            {"-1", "--seeds: found \"-1\""}, {"two", "--seeds: found \"two\""}};
        for (String[] c : cases) {
            Path out = tmp.resolve("o");
            CliFixtures.Result r = CliFixtures.cpm("train", recipe.toString(), "--seeds", c[0], "--out", out.toString());
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), r.err());
            assertFalse(Files.exists(out), "nothing written");
        }
        CliFixtures.Result both = CliFixtures.cpm("train", recipe.toString(), "--seeds", "1,2", "--seed", "4");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--seed: found 4 with the --seeds list 1,2"), both.err());
    }
}
