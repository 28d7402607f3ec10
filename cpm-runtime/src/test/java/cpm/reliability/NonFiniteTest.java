package cpm.reliability;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import cpm.nn.Init;
import cpm.nn.Weights;
import cpm.train.AdamW;
import cpm.train.Checkpoint;
import cpm.train.NonFiniteLossException;
import cpm.train.loop.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A non-finite loss or gradient stops training, names the step and the term, keeps the last good state. */
class NonFiniteTest {

    @Test
    void nanLossStopsWithReportAndKeepsLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        try (TrainRun run = TrainRun.create(QuickRecipes.quick(8), dir, ExactResumeTest.QUIET)) {
            run.train(4, false);
            Path good = dir.resolve("checkpoints/step-00000004.ckpt");
            byte[] goodBytes = Files.readAllBytes(good);
            // poison the first parameter (the image stem): the next forward pass gives NaN everywhere
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            Map<String, Weights.Entry> entries = run.session().weights().entries();
            String poisoned = run.session().weights().trainable().keySet().iterator().next();
            NDArray p = entries.get(poisoned).array();
            float[] nan = new float[(int) p.size()];
            Arrays.fill(nan, Float.NaN);
            p.set(java.nio.FloatBuffer.wrap(nan));
            JniUtils.setGradMode(grad);
            long position = run.session().loader().position();
            float[] adamBefore = run.session().optimiser().state().values().iterator().next().toFloatArray();

            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> run.train(8, false));
            assertEquals(4, e.step());
            assertTrue(e.term().startsWith("loss_"), e.term());
            assertTrue(e.getMessage().contains("step 4") && e.getMessage().contains(e.term()), e.getMessage());
            assertEquals(2, e.items().size(), "the batch's item ids");
            // nothing moved: step, data position, optimiser moments
            assertEquals(4, run.session().stepsDone());
            assertEquals(position, run.session().loader().position());
            assertArrayEquals(adamBefore, run.session().optimiser().state().values().iterator().next().toFloatArray());
            // the last good checkpoint is untouched and still reads
            assertArrayEquals(goodBytes, Files.readAllBytes(good));
            assertEquals("4", Checkpoint.read(good).meta().get("step"));
            assertEquals(good, new cpm.train.loop.RunFolder(dir).latestCheckpoint());
            JsonNode report = new ObjectMapper().readTree(dir.resolve("nonfinite-report.json").toFile());
            assertEquals(4, report.get("step").asLong());
            assertEquals(e.term(), report.get("term").asText());
            assertEquals(e.items().size(), report.get("items").size());
            assertEquals("NaN", report.get("terms").get(e.term()).asText());
            assertEquals("step-00000004.ckpt", report.get("lastGoodCheckpoint").asText());
            try (var files = Files.list(dir)) {
                assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files");
            }
        }
    }

    @Test
    void gradientNormIsCheckedBeforeTheUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(m.newSubManager(), 7);
            NDArray p = w.param("p", new Shape(3), Init.normal(1.0));
            float[] before = p.toFloatArray();
            AdamW opt = new AdamW(w, 0.0, 0.0, Map.of());
            // loss 0.5 |p|^2: gradient p, so the norm is |p| (computed here in float64)
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.square().sum().mul(0.5f));
            }
            double expected = 0;
            for (float v : before) {
                expected += (double) v * v;
            }
            assertEquals(Math.sqrt(expected), opt.gradNorm(), 1e-6);
            assertArrayEquals(before, p.toFloatArray(), "gradNorm changes nothing");
            opt.zeroGradients();
            // sqrt(0 * p) is finite (0) but its gradient is 0.5 / sqrt(0) * 0 = NaN
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = p.mul(0f).sqrt().sum();
                assertEquals(0f, loss.getFloat());
                gc.backward(loss);
            }
            assertFalse(Double.isFinite(opt.gradNorm()));
            assertArrayEquals(before, p.toFloatArray());
            assertEquals(0, opt.steps());
        }
    }
}
