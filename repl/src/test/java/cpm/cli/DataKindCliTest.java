package cpm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import cpm.data.SynthWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --data DIR} records the data set it read (data.kind from the folder's layout, the absolute path) in
 * the run's recipe.json, and {@code eval --run RUN} alone re-evaluates on that data, from any working directory.
 */
class DataKindCliTest {

    private static final Pattern MIOU = Pattern.compile("test mIoU ([0-9.]+)  F-beta ([0-9.]+)");

    /** A researcher's own AVSBench-Semantics-layout folder: the synthetic set on disk without ./cpm synth's columns. */
    private static Path ownAvssFolder(Path dir) throws IOException {
        Path root = SynthWriter.write(dir, "semantic", 2, 1, 5, 64, 5);
        List<String> rows = Files.readAllLines(root.resolve("metadata.csv"));
        StringBuilder csv = new StringBuilder();
        for (String row : rows) {
            String[] f = row.split(",");
            csv.append(f[0]).append(',').append(f[1]).append(',').append(f[2]).append('\n'); // uid, split, label
        }
        Files.writeString(root.resolve("metadata.csv"), csv.toString());
        return root;
    }

    private static String score(String out) {
        Matcher m = MIOU.matcher(out);
        assertTrue(m.find(), out);
        return m.group(1) + " " + m.group(2);
    }

    @Test
    void aRunRecordsTheDetectedKindAndAbsolutePathAndEvalRunUsesThem(@TempDir Path tmp) throws IOException {
        Path data = ownAvssFolder(tmp.resolve("my-avss"));
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2).with("run.pictures", 0));
        Path run = tmp.resolve("run");
        // --data given relative to the working directory, as a user types it
        String relative = Path.of("").toAbsolutePath().relativize(data).toString();
        CliFixtures.Result train = CliFixtures.cpm("train", recipe.toString(), "--data", relative, "--out",
                run.toString(), "--no-progress", "--no-silenced");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.err().contains("data: " + data + " (avss, from metadata.csv and label2idx.json)"), train.err());
        JsonNode d = new ObjectMapper().readTree(run.resolve("recipe.json").toFile()).get("data");
        assertEquals("avss", d.get("kind").asText(), "the kind the folder is, not the recipe's synthetic");
        assertEquals(data.toString(), d.get("path").asText(), "the absolute path");

        CliFixtures.Result eval = CliFixtures.cpm("eval", "--run", run.toString());
        assertEquals(0, eval.code(), eval.err());
        assertEquals(score(train.out()), score(eval.out()), "the same checkpoint on the same data scores the same");

        // --set changes how the run is evaluated, not the run's recipe
        CliFixtures.Result one = CliFixtures.cpm("eval", "--run", run.toString(), "--set", "eval.maxItems=1");
        assertEquals(0, one.code(), one.err());
        assertTrue(eval.out().contains("2 images") && one.out().contains("1 images"), eval.out() + one.out());
        CliFixtures.Result bad = CliFixtures.cpm("eval", "--run", run.toString(), "--set", "eval.maxItem=1");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--set eval.maxItem: found an unknown field"), bad.err());

        // eval reads that folder: without it, it names the folder instead of evaluating something else
        Files.move(data, tmp.resolve("moved"));
        CliFixtures.Result gone = CliFixtures.cpm("eval", "--run", run.toString());
        assertEquals(2, gone.code(), gone.out() + gone.err());
        assertTrue(gone.err().contains(data.toString()), gone.err());
    }

    @Test
    void aFolderOfNoKnownLayoutOrOfTwoIsExitTwoBeforeTraining(@TempDir Path tmp) throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2).with("run.pictures", 0));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliFixtures.Result none = CliFixtures.cpm("train", recipe.toString(), "--data", empty.toString(), "--out",
                tmp.resolve("o1").toString());
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains(empty + ": found none of metadata.csv"), none.err());
        assertTrue(none.err().contains("expected a data root in one of the layouts of docs/datasets.md"), none.err());
        assertFalse(Files.exists(tmp.resolve("o1")));

        Path vpo = tmp.resolve("vpo");
        for (String subset : List.of("ss", "msmi")) {
            Path folder = Files.createDirectories(vpo.resolve("VPO-" + subset.toUpperCase()));
            Files.writeString(folder.resolve("vpo_" + subset + "_data_stereo.csv"), "cateName\n");
        }
        CliFixtures.Result two = CliFixtures.cpm("train", recipe.toString(), "--data", vpo.toString(), "--out",
                tmp.resolve("o2").toString());
        assertEquals(2, two.code(), two.err());
        assertTrue(two.err().contains("found VPO subset folders [VPO-MSMI, VPO-SS]"), two.err());
        assertTrue(two.err().contains("--set data.kind=KIND (vpo-msmi, vpo-ss)"), two.err());
        assertFalse(Files.exists(tmp.resolve("o2")));
    }
}
