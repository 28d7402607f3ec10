package cpm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ./cpm sweep}: a 2-point x 2-seed grid trains each run as {@code ./cpm train --set ... --seed S} trains it
 * (the same evaluation file to the byte), writes one CSV line per run and a summary whose means and sds are those of
 * the lines; {@code --parallel 2} writes the same files to the byte.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SweepCliTest {

    @TempDir
    Path tmp;

    @Test
    void gridRunsAsTrainRunsThemAndParallelWritesTheSame() throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2));
        String[] common = {"sweep", recipe.toString(), "--set", "classifier.components=1,2", "--set",
            "cpm.acpWeight=30", "--seeds", "2", "--seed", "7", "--threads", "1", "--no-progress"};
        Path seqDir = tmp.resolve("seq");
        CliFixtures.Result seq = CliFixtures.cpm(concat(common, "--out", seqDir.toString()));
        assertEquals(0, seq.code(), seq.err());
        assertTrue(seq.err().contains("sweep: run 4/4, classifier.components=2, seed 8"), seq.err());

        List<String> lines = Files.readAllLines(seqDir.resolve("sweep.csv"));
        assertEquals("classifier.components,cpm.acpWeight,seed,miou,fbeta,sts,miou_silenced,protocol,run",
                lines.get(0));
        assertEquals(5, lines.size(), "a line per run: " + lines);
        List<String> runs = List.of("components-1-seed7", "components-1-seed8", "components-2-seed7",
                "components-2-seed8");
        for (int i = 0; i < runs.size(); i++) {
            String[] c = lines.get(i + 1).split(",");
            assertEquals(i < 2 ? "1" : "2", c[0]);
            assertEquals("30", c[1]);
            assertEquals(Integer.toString(7 + i % 2), c[2]);
            assertEquals(runs.get(i), c[8]);
            assertTrue(Files.isRegularFile(seqDir.resolve(runs.get(i)).resolve("eval-test.csv")), runs.get(i));
        }

        // one grid point's run against ./cpm train with the same overrides and seed
        Path trainDir = tmp.resolve("train");
        CliFixtures.Result train = CliFixtures.cpm("train", recipe.toString(), "--set", "classifier.components=2",
                "--set", "cpm.acpWeight=30", "--seed", "8", "--threads", "1", "--no-progress", "--out",
                trainDir.toString());
        assertEquals(0, train.code(), train.err());
        Path swept = seqDir.resolve("components-2-seed8");
        for (String f : List.of("eval-test.csv", "eval-test-silenced.csv", "recipe.json")) {
            assertArrayEquals(Files.readAllBytes(trainDir.resolve(f)), Files.readAllBytes(swept.resolve(f)), f);
        }
        String[] last = lines.get(4).split(",");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("test mIoU (\\S+)  F-beta (\\S+) ")
                .matcher(train.out());
        assertTrue(m.find(), train.out());
        assertEquals(Double.parseDouble(m.group(1)), Double.parseDouble(last[3]), 5e-5, "mIoU as train prints it");
        assertEquals(Double.parseDouble(m.group(2)), Double.parseDouble(last[4]), 5e-5, "F-beta as train prints it");

        // the summary: the mean and sample sd of the lines, per point, as Tablesaw reads it
        Table summary = Table.read().csv(seqDir.resolve("sweep-summary.csv").toFile());
        assertEquals(2, summary.rowCount());
        Map<String, List<double[]>> byPoint = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] c = l.split(",");
            byPoint.computeIfAbsent(c[0], k -> new ArrayList<>()).add(new double[] {
                Double.parseDouble(c[3]), Double.parseDouble(c[4])});
        }
        for (int r = 0; r < 2; r++) {
            List<double[]> v = byPoint.get(Integer.toString(summary.intColumn("classifier.components").get(r)));
            double a = v.get(0)[0];
            double b = v.get(1)[0];
            assertEquals((a + b) / 2, summary.doubleColumn("miou_mean").get(r), 1e-6);
            assertEquals(Math.abs(a - b) / Math.sqrt(2), summary.doubleColumn("miou_sd").get(r), 1e-6);
            assertEquals((v.get(0)[1] + v.get(1)[1]) / 2, summary.doubleColumn("fbeta_mean").get(r), 1e-6);
            assertEquals(2, summary.intColumn("seeds").get(r));
            assertEquals(r == 0 ? "components-1" : "components-2", summary.stringColumn("point").get(r));
            // the printed table shows the same numbers
            assertTrue(seq.out().contains(String.format(Locale.ROOT, "%.4f +- %.4f",
                    summary.doubleColumn("miou_mean").get(r), summary.doubleColumn("miou_sd").get(r))), seq.out());
        }
        byte[] png = Files.readAllBytes(seqDir.resolve("sweep.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);

        Path parDir = tmp.resolve("par");
        CliFixtures.Result par = CliFixtures.cpm(concat(common, "--out", parDir.toString(), "--parallel", "2"));
        assertEquals(0, par.code(), par.err());
        assertTrue(par.err().contains("sweep: 4 runs, 2 side by side"), par.err());
        for (String f : List.of("sweep.csv", "sweep-summary.csv")) {
            assertArrayEquals(Files.readAllBytes(seqDir.resolve(f)), Files.readAllBytes(parDir.resolve(f)), f);
        }
        assertEquals(seq.out().replace(seqDir.toString(), parDir.toString()), par.out(), "the printed table");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
