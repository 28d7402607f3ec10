package cpm.train;

import cpm.dsl.Recipe;
import cpm.nn.HostCopies;
import cpm.reliability.QuickRecipes;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The host copies of one training step, by site, are exactly those the step needs (issue 16: on a GPU each is a
 * device-to-host sync): the matcher's costs once (all decoder layers in one batched problem), the loss terms once, the gradient
 * norm once, the PCL anchors and the CCDM bank's embeddings; labels and tags are read from the batch's host
 * copy, never back from the device. A new copy in the step fails this test until it is justified here.
 */
class HostCopiesTest {

    @Test
    void oneStepCopiesOnlyWhatTheMatcherTheGmmAndTheLogsNeed() {
        Recipe r = QuickRecipes.quick(4);
        try (TrainingSession s = new TrainingSession(r)) {
            s.step(); // warm-up: the first step may differ (lazy state), the count is pinned for a steady step
            HostCopies.reset();
            s.step(); // step 1: ends a log interval (GMM diagnostics) and is followed by an EM update
            Map<String, Integer> logStep = HostCopies.counts();
            HostCopies.reset();
            s.step(); // step 2: no log row, so no GMM diagnostics
            Map<String, Integer> plain = HostCopies.counts();
            // deep supervision matches every decoder layer as one batched problem: one copy of its costs
            assertTrue(r.loss().deepSupervision());
            int matched = 1;
            Map<String, Integer> expected = new TreeMap<>(Map.of(
                    "objective.values", 1,      // every loss term in one copy (finiteness check and the log)
                    "adamw.gradNorm", 1,        // the global norm (finiteness check and clipping)
                    "matcher.costs", matched,   // the Hungarian matcher runs on the host
                    "ccdm.embeddings", 1,       // the memory bank and EM live on the host
                    "pcl.counts", 1, "pcl.valid", 1, "pcl.labels", 1)); // PCL's anchor and pixel sampling
            assertEquals(expected, plain, "host copies of a step");
            // GmmDiagnostics (log steps only) scores the bank's samples: one copy per class whose bank is not empty
            int diag = logStep.getOrDefault("gmm.headLogits", 0);
            assertTrue(diag >= 1 && diag <= s.numClasses() + 1, "GMM diagnostics copies: " + logStep);
            Map<String, Integer> rest = new TreeMap<>(logStep);
            rest.remove("gmm.headLogits");
            assertEquals(expected, rest, "host copies of a step that ends a log interval");
        }
    }
}
