package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class CcdmTest {

    static Recipe recipe() {
        return Recipe.builder("t").set("queries.dim", 4).set("classifier.components", 2)
                .set("classifier.bankSize", 16).set("classifier.updateInterval", 5)
                .set("classifier.noObjectSamples", 3).set("classifier.momentum", 0.0)
                .classifier(c -> c.legacy()).build();
    }

    /** A Ccdm of the recipe on scratch weights (the legacy head has no parameters). */
    static Ccdm ccdm(Recipe r, int classes) {
        return new Ccdm(r.classifier(), r.gmmDim(), classes,
                new cpm.nn.Weights(NDManager.newBaseManager(), 1).child("gmm"), 1);
    }

    /** B=2 images, N=4 queries; class 0 matched once per call, class 1 once every other call, no-object rest. */
    static int[][] assignment(int call) {
        return new int[][] {{0, 3, 3, 3}, {call % 2 == 0 ? 1 : 3, 3, 3, 3}};
    }

    static NDArray embeddings(NDManager m, int call) {
        SplittableRandom r = new SplittableRandom(call);
        float[] v = new float[2 * 4 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-2, 2);
        }
        return m.create(v, new Shape(2, 4, 4));
    }

    @Test
    void observeBanksNormalisedMatchedAndBoundedUnmatchedEmbeddings() {
        Ccdm c = ccdm(recipe(), 3);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = embeddings(m, 0);
            c.observe(e, null, assignment(0));
            assertEquals(1, c.bank().count(0));
            assertEquals(1, c.bank().count(1));
            assertEquals(0, c.bank().count(2));
            assertEquals(3, c.bank().count(3), "6 unmatched, noObjectSamples = 3");
            float[] raw = e.toFloatArray();
            float[] banked = c.bank().samples(0)[0];
            double norm = 0;
            for (int d = 0; d < 4; d++) {
                norm += raw[d] * raw[d];
            }
            for (int d = 0; d < 4; d++) {
                assertEquals(raw[d] / Math.sqrt(norm), banked[d], 1e-6);
            }
            assertThrows(IllegalArgumentException.class, () -> c.observe(e, null, new int[][] {{0, 4, 3, 3}, {3, 3, 3, 3}}));
        }
    }

    @Test
    void updatesOnlyOnTheIntervalAndOnlyClassesWithTwoMSamples() {
        Ccdm c = ccdm(recipe(), 3);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int step = 1; step <= 3; step++) {
                c.observe(embeddings(m, step), null, assignment(step));
                assertFalse(c.maybeUpdate(step), "not due at step " + step);
            }
            // after 3 calls: class 0 has 3 < 2M = 4 samples, class 1 has 1, no-object 9
            double[] before0 = c.mixture().means(0)[0];
            c.observe(embeddings(m, 4), null, assignment(4));
            assertEquals(4, c.bank().count(0));
            assertEquals(2, c.bank().count(1));
            assertFalse(c.maybeUpdate(4));
            assertTrue(c.maybeUpdate(5));
            assertTrue(c.mixture().fitted(0));
            assertFalse(c.mixture().fitted(1));
            assertFalse(c.mixture().fitted(2));
            assertTrue(c.mixture().fitted(3));
            assertNotEquals(before0[0], c.mixture().means(0)[0][0]);
            // class 0 was fitted on exactly the bank's samples (3 EM iterations from the initialisation)
            GaussianMixture ref = new GaussianMixture(4, 2, 4, "diagonal", recipe().classifier().varianceFloor(), 1);
            ref.emFit(0, c.bank().samples(0), 3);
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(ref.means(0)[k], c.mixture().means(0)[k], 0);
                assertArrayEquals(ref.variances(0)[k], c.mixture().variances(0)[k], 0);
            }
            assertFalse(c.maybeUpdate(0));
            assertFalse(c.maybeUpdate(6));
            assertTrue(c.maybeUpdate(10));
            assertFalse(Double.isNaN(c.lastLogLikelihood()[0]));
            assertTrue(Double.isNaN(c.lastLogLikelihood()[2]));
        }
    }

    @Test
    void stateRoundTripsAndContinuesIdentically() {
        Ccdm a = ccdm(recipe(), 3);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int step = 1; step <= 5; step++) {
                a.observe(embeddings(m, step), null, assignment(step));
                a.maybeUpdate(step);
            }
            Map<String, float[]> st = a.state();
            Ccdm b = ccdm(recipe(), 3);
            b.load(st);
            for (String k : st.keySet()) {
                assertArrayEquals(st.get(k), b.state().get(k), k);
            }
            for (int step = 6; step <= 10; step++) {
                a.observe(embeddings(m, step), null, assignment(step));
                b.observe(embeddings(m, step), null, assignment(step));
                assertEquals(a.maybeUpdate(step), b.maybeUpdate(step));
            }
            Map<String, float[]> sa = a.state();
            Map<String, float[]> sb = b.state();
            for (String k : sa.keySet()) {
                assertArrayEquals(sa.get(k), sb.get(k), k);
            }
        }
    }
}
