package cpm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One short training, then {@code ./cpm eval} under other protocols without retraining: every score line and CSV
 * names its protocol, the run's own (per-dataset) scores stay, and cavp's mIoU is the mean over all classes of the
 * same per-class IoUs that per-dataset averages over the classes that occur.
 */
class EvalProtocolCliTest {

    @TempDir
    Path tmp;

    private static final Pattern SCORE = Pattern.compile("test mIoU ([0-9.]+)  F-beta ([0-9.]+)  \\(([a-z/-]+) protocol");

    @Test
    void evalScoresARunUnderEachProtocolAndNamesIt() throws Exception {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2));
        Path run = tmp.resolve("run");
        CliFixtures.Result train = CliFixtures.cpm("train", recipe.toString(), "--out", run.toString(),
                "--no-progress", "--no-silenced", "--steps", "1");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("(per-dataset protocol,"), train.out());
        byte[] own = Files.readAllBytes(run.resolve("eval-test.csv"));

        CliFixtures.Result cavp = CliFixtures.cpm("eval", "--run", run.toString(), "--set", "eval.protocol=cavp");
        assertEquals(0, cavp.code(), cavp.err());
        Matcher m = SCORE.matcher(cavp.out());
        assertTrue(m.find(), cavp.out());
        assertEquals("cavp", m.group(3));
        assertTrue(cavp.out().contains("per class (cavp protocol):"), cavp.out());
        assertTrue(cavp.out().contains("(the run's own eval-test.csv is kept)"), cavp.out());
        assertArrayEquals(own, Files.readAllBytes(run.resolve("eval-test.csv")), "the run's own scores stay");

        List<String> cavpScores = Files.readAllLines(run.resolve("eval-test-cavp.csv"));
        assertEquals("split,protocol,miou,fbeta,images,coverage,silenced", cavpScores.get(0));
        String[] row = cavpScores.get(1).split(",");
        assertEquals("cavp", row[1]);
        assertEquals(Double.parseDouble(m.group(1)), Double.parseDouble(row[2]), 1e-4, "printed = written");

        // The same predictions under both protocols: cavp averages every class (NaN -> 0), per-dataset only the
        // ones that occur; the occurring classes' IoUs are equal.
        double[] perDataset = classIous(run.resolve("eval-test-per-class.csv"), "per-dataset");
        double[] allClasses = classIous(run.resolve("eval-test-cavp-per-class.csv"), "cavp");
        assertEquals(perDataset.length, allClasses.length);
        double sumOccurring = 0;
        int occurring = 0;
        double sumAll = 0;
        for (int k = 0; k < perDataset.length; k++) {
            if (Double.isNaN(perDataset[k])) {
                assertEquals(0.0, allClasses[k], 0.0, "class " + k + " absent: counts 0 under cavp");
            } else {
                assertEquals(perDataset[k], allClasses[k], 1e-6, "class " + k);
                sumOccurring += perDataset[k];
                occurring++;
            }
            sumAll += allClasses[k];
        }
        String[] ownRow = new String(own).split("\n")[1].split(",");
        assertEquals("per-dataset", ownRow[1]);
        assertEquals(sumOccurring / occurring, Double.parseDouble(ownRow[2]), 1e-5);
        assertEquals(sumAll / allClasses.length, Double.parseDouble(row[2]), 1e-5);

        // --protocol is the short form, /ms scores CAVP's multi-source frames only
        CliFixtures.Result ms = CliFixtures.cpm("eval", "--run", run.toString(), "--protocol", "cavp/ms");
        assertEquals(0, ms.code(), ms.err());
        assertTrue(ms.out().contains("(cavp/ms protocol,"), ms.out());
        assertTrue(ms.out().contains("wrote " + run.resolve("eval-test-cavp-ms.csv")), ms.out());
        assertEquals("cavp/ms", Files.readAllLines(run.resolve("eval-test-cavp-ms.csv")).get(1).split(",")[1]);
        assertTrue(Files.readAllLines(run.resolve("eval-test-cavp-ms-per-class.csv")).get(1).startsWith("cavp/ms,"));

        // the recipe's rules still hold: per-image scores binary labels, the tiny data has several classes
        CliFixtures.Result perImage = CliFixtures.cpm("eval", "--run", run.toString(), "--protocol", "per-image");
        assertEquals(2, perImage.code(), perImage.err());
        assertTrue(perImage.err().contains("--protocol eval.protocol: found \"per-image\"") && perImage.err().contains(
                "binary labels"), perImage.err());
    }

    @Test
    void aProtocolThatDoesNotFitIsBadInput() throws Exception {
        CliFixtures.Result unknown = CliFixtures.cpm("eval", "--run", tmp.resolve("none").toString(), "--protocol",
                "voc");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("--protocol: found \"voc\", expected per-dataset, per-image or cavp,"
                + " optionally with /ms"), unknown.err());
    }

    /** The IoU column of a per-class CSV (protocol,class,iou,fbeta,pixels), checking every row's protocol. */
    private static double[] classIous(Path csv, String protocol) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        assertEquals("protocol,class,iou,fbeta,pixels", lines.get(0));
        return lines.stream().skip(1).mapToDouble(l -> {
            String[] c = l.split(",");
            assertEquals(protocol, c[0], l);
            return c[2].equals("NaN") ? Double.NaN : Double.parseDouble(c[2]);
        }).toArray();
    }
}
