package cpm.train;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CCDM in training at the spec's small epsilon (1e-4, the paper presets' order): with GMMSeg's class-axis
 * LayerNorm head the loss does not jump when the mixtures are first fitted; with the raw log-likelihood head it
 * does (the control: the loss went from about 100 to about 9,000 in the first toolkit version), so the check can
 * fail. Also: the diagnostics appear on log steps and a resumed-from-state GMM continues.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CcdmTrainingTest {

    static Recipe recipe(String head) {
        Recipe r = Presets.get("tiny").with(Map.of("optim.steps", 24, "optim.warmupSteps", 2, "data.trainItems", 8,
                "data.testItems", 1, "run.threads", 1, "optim.batchSize", 4, "run.checkpointInterval", 0,
                "run.logInterval", 4, "classifier.updateInterval", 4, "classifier.varianceFloor", 1e-4));
        r = r.with(Map.of("cpm.vcp", false, "cpm.acp", false, "cpm.pcl", false, "classifier.bankSize", 64));
        return head.equals("raw") ? r.with(Map.of("classifier.head", "raw", "classifier.variance", "clamp",
                "classifier.firstFit", "replace", "classifier.space", "maskEmbed")) : r;
    }

    /** The largest l_agn after the first fit (step 4) over the largest before it. */
    static double jump(Recipe r) {
        double before = 0;
        double after = 0;
        try (TrainingSession s = new TrainingSession(r)) {
            for (int i = 0; i < r.optim().steps(); i++) {
                TrainingSession.StepResult res = s.step();
                assertTrue(Double.isFinite(res.agn()), "finite l_agn at step " + i);
                if (i < 4) {
                    before = Math.max(before, res.agn());
                } else {
                    after = Math.max(after, res.agn());
                }
                if ((i + 1) % 4 == 0) {
                    assertNotNull(res.gmm(), "diagnostics on log step " + (i + 1));
                } else {
                    assertNull(res.gmm());
                }
            }
        }
        return after / before;
    }

    @Test
    void noLossJumpAtTheSmallEpsilonWithTheLayerNormHead() {
        double ln = jump(recipe("layernorm"));
        assertTrue(ln < 1.5, "layernorm head: largest l_agn after the first fit / before = " + ln);
        double raw = jump(recipe("raw"));
        assertTrue(raw > 3, "control, raw head with a 1e-4 clamp: ratio " + raw + " (the jump the head removes)");
    }
}
