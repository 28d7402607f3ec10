package cpm.reliability;

import cpm.dsl.Recipe;
import cpm.train.History;
import cpm.train.loop.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static cpm.reliability.ExactResumeTest.QUIET;
import static cpm.reliability.ExactResumeTest.assertRowsEqual;
import static cpm.reliability.ExactResumeTest.assertWeightsEqual;
import static cpm.reliability.ExactResumeTest.weights;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Exact resume with data.frameSampling randomLabelled (CAVP's one random labelled frame per clip per step): the
 * frame drawn at each position is seeded by (seed, epoch, position), so 4 steps equal 2, a stop and 2 more, bit
 * for bit (ExactResumeTest's comparison, at half its length).
 */
class RandomLabelledResumeTest {

    @Test
    void twoNStepsEqualNThenResumeN(@TempDir Path tmp) {
        Recipe r = QuickRecipes.quick(4).with(Map.of("data.frameSampling", "randomLabelled",
                "run.checkpointInterval", 2, "run.logInterval", 1, "data.trainItems", 3));
        Map<String, float[]> straight;
        List<History.Row> straightRows;
        try (TrainRun a = TrainRun.create(r, tmp.resolve("a"), QUIET)) {
            a.train(4, false);
            straight = weights(a);
            straightRows = a.history().rows();
        }
        try (TrainRun b = TrainRun.create(r, tmp.resolve("b"), QUIET)) {
            b.train(2, false);
        }
        try (TrainRun b = TrainRun.resume(tmp.resolve("b"), QUIET)) {
            assertEquals(2, b.session().stepsDone());
            b.train(4, false);
            assertRowsEqual(straightRows, b.history().rows());
            assertWeightsEqual(straight, weights(b));
        }
    }
}
