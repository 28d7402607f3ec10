package cpm.cli;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.train.Checkpoint;
import cpm.train.loop.RunFolder;
import cpm.train.loop.TrainRun;
import cpm.train.loop.ValScores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * eval.valInterval (docs/reliability-19-valres.md): {@code ./cpm train} scores the val split every K steps into
 * val.csv, keeps the state of the best val mIoU in checkpoints/best.ckpt, {@code ./cpm eval --checkpoint best}
 * evaluates it, a run stopped and resumed between validations logs the same scores and keeps the same best, and
 * validating leaves training as it was.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ValidationDuringTrainingTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path tmp;

    @Test
    void valScoresEveryKStepsBestCheckpointAndResume() throws Exception {
        Recipe r = CliFixtures.quick(4).with(Map.of("eval.valInterval", 2, "run.checkpointInterval", 2));
        Path json = CliFixtures.writeRecipe(tmp.resolve("quick.json"), r);
        Path a = tmp.resolve("a");
        CliFixtures.Result train = CliFixtures.cpm("train", json.toString(), "--out", a.toString(), "--no-progress",
                "--no-silenced");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.err().contains("step 2: val mIoU"), train.err());
        RunFolder run = new RunFolder(a);

        // val.csv: steps 2, 4; the best is the highest mIoU (the earliest on ties)
        List<String[]> rows = Files.readAllLines(run.valFile()).stream().skip(1).map(l -> l.split(",")).toList();
        assertEquals(List.of("2", "4"), rows.stream().map(x -> x[0]).toList());
        int bestRow = 0;
        for (int i = 1; i < rows.size(); i++) {
            if (Double.parseDouble(rows.get(i)[1]) > Double.parseDouble(rows.get(bestRow)[1])) {
                bestRow = i;
            }
        }
        long bestStep = Long.parseLong(rows.get(bestRow)[0]);
        assertTrue(train.err().contains("best val mIoU"), train.err());

        // best.ckpt is the state of that step: its step, and every tensor equal to step-N.ckpt's
        Checkpoint best = Checkpoint.read(run.bestCheckpoint());
        assertEquals(Long.toString(bestStep), best.meta().get("step"));
        assertTensorsEqual(Checkpoint.read(run.checkpoint(bestStep)), best);
        assertEquals(run.checkpoint(4), run.latestCheckpoint(), "best.ckpt is not taken for the latest checkpoint");

        // ./cpm eval --checkpoint best evaluates that step, next to (not over) the final scores
        String finalScores = Files.readString(run.evalFile("test", false));
        CliFixtures.Result eval = CliFixtures.cpm("eval", "--run", a.toString(), "--checkpoint", "best");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("step " + bestStep + ")"), eval.out());
        assertTrue(Files.isRegularFile(run.evalFile("test", "best", false, null)));
        assertEquals(finalScores, Files.readString(run.evalFile("test", false)));

        // stopped at step 3 (between validations) and resumed: the best so far comes from the checkpoint
        Recipe same = RecipeJson.fromJson(Files.readString(run.recipeFile()), "recipe.json");
        Path b = tmp.resolve("b");
        try (TrainRun first = TrainRun.create(same, b, QUIET)) {
            first.train(3, false);
        }
        try (TrainRun resumed = TrainRun.resume(b, QUIET)) {
            assertEquals(3, resumed.session().stepsDone());
            assertEquals(List.of(2L), resumed.val().rows().stream().map(ValScores.Row::step).toList());
            resumed.train(4, false);
        }
        // validating does not change training: without it, step 4 has the same weights, moments and mixtures
        Path c = tmp.resolve("c");
        try (TrainRun plain = TrainRun.create(same.with("eval.valInterval", 0), c, QUIET)) {
            plain.train(4, false);
        }
        assertTensorsEqual(Checkpoint.read(run.checkpoint(4)), Checkpoint.read(new RunFolder(c).checkpoint(4)));
        assertFalse(Files.exists(new RunFolder(c).valFile()));

        RunFolder runB = new RunFolder(b);
        assertEquals(Files.readString(run.valFile()), Files.readString(runB.valFile()), "val.csv after resume");
        Checkpoint bestB = Checkpoint.read(runB.bestCheckpoint());
        assertEquals(best.meta().get("step"), bestB.meta().get("step"));
        assertEquals(best.meta().get(ValScores.META), bestB.meta().get(ValScores.META));
        assertTensorsEqual(best, bestB);
    }

    @Test
    void aMissingCheckpointOrValSplitIsBadInput() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run.resolve("checkpoints"));
        Files.writeString(run.resolve("checkpoints").resolve("step-00000004.ckpt"), "not read");
        CliFixtures.Result best = CliFixtures.cpm("eval", "--run", run.toString(), "--checkpoint", "best");
        assertEquals(2, best.code());
        assertTrue(best.err().contains("--checkpoint best: found no ") && best.err().contains("eval.valInterval > 0"),
                best.err());
        CliFixtures.Result step = CliFixtures.cpm("eval", "--run", run.toString(), "--checkpoint", "7");
        assertEquals(2, step.code());
        assertTrue(step.err().contains("--checkpoint 7: found no ") && step.err().contains("step-00000007.ckpt"),
                step.err());
        CliFixtures.Result word = CliFixtures.cpm("eval", "--run", run.toString(), "--checkpoint", "last");
        assertEquals(2, word.code());
        assertTrue(word.err().contains("--checkpoint last: found no such file, expected latest, best, step-N"),
                word.err());
        assertFalse(best.err().contains("\tat "), "no stack trace");

        // ./cpm synth writes train and test clips only: validation has nothing to score
        Path data = tmp.resolve("data");
        CliFixtures.Result synth = CliFixtures.cpm("synth", "--out", data.toString(), "--train", "1", "--test", "1",
                "--size", "32", "--frames", "1");
        assertEquals(0, synth.code(), synth.err());
        Path json = CliFixtures.writeRecipe(tmp.resolve("v.json"), CliFixtures.quick(2).with("eval.valInterval", 1));
        Path out = tmp.resolve("out");
        CliFixtures.Result train = CliFixtures.cpm("train", json.toString(), "--data", data.toString(), "--out",
                out.toString(), "--no-progress");
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains("eval.valInterval 1: found no labelled val frames in " + data), train.err());
        assertFalse(Files.exists(new RunFolder(out).recipeFile()), "nothing written");
    }

    static void assertTensorsEqual(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        expected.tensors().forEach((k, t) -> {
            assertArrayEquals(t.shape(), actual.tensors().get(k).shape(), k);
            assertArrayEquals(t.data(), actual.tensors().get(k).data(), 0f, k);
        });
    }
}
