package cpm.reliability;

import cpm.dsl.Recipe;
import cpm.train.History;
import cpm.train.loop.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exact resume (docs/reliability.md): training 2N steps equals training N, stopping, and resuming N, bit for bit
 * on the CPU with one thread, in every logged loss term, the STS column and every final weight.
 */
class ExactResumeTest {

    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void twoNStepsEqualNThenResumeN(@TempDir Path tmp) {
        Recipe r = QuickRecipes.quick(8);
        Map<String, float[]> straight;
        List<History.Row> straightRows;
        try (TrainRun a = TrainRun.create(r, tmp.resolve("a"), QUIET)) {
            a.train(8, false);
            straight = weights(a);
            straightRows = a.history().rows();
        }
        try (TrainRun b = TrainRun.create(r, tmp.resolve("b"), QUIET)) {
            b.train(4, false);
        }
        Map<String, float[]> resumed;
        List<History.Row> resumedRows;
        try (TrainRun b = TrainRun.resume(tmp.resolve("b"), QUIET)) {
            assertEquals(4, b.session().stepsDone());
            b.train(8, false);
            resumed = weights(b);
            resumedRows = b.history().rows();
        }
        assertRowsEqual(straightRows, resumedRows);
        assertWeightsEqual(straight, resumed);
    }

    static Map<String, float[]> weights(TrainRun run) {
        Map<String, float[]> w = new LinkedHashMap<>();
        run.session().weights().entries().forEach((k, e) -> w.put(k, e.array().toFloatArray()));
        return w;
    }

    static void assertRowsEqual(List<History.Row> expected, List<History.Row> actual) {
        assertEquals(expected.size(), actual.size(), "history rows");
        assertTrue(expected.size() >= 4, "history rows " + expected.size());
        for (int i = 0; i < expected.size(); i++) {
            History.Row e = expected.get(i);
            History.Row a = actual.get(i);
            String at = "row " + i + " (step " + e.step() + ")";
            assertEquals(e.step(), a.step(), at);
            assertEquals(e.loss(), a.loss(), 0.0, at + " loss");
            assertEquals(e.agn(), a.agn(), 0.0, at + " loss_agn");
            assertEquals(e.vcp(), a.vcp(), 0.0, at + " loss_vcp");
            assertEquals(e.acp(), a.acp(), 0.0, at + " loss_acp");
            assertEquals(e.pcl(), a.pcl(), 0.0, at + " loss_pcl");
            assertEquals(e.lr(), a.lr(), 0.0, at + " lr");
            assertEquals(e.sts(), a.sts(), 0.0, at + " sts");
        }
        assertTrue(Double.isFinite(expected.get(expected.size() - 1).pcl()), "PCL was on");
    }

    static void assertWeightsEqual(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), 0f, k);
        }
    }
}
