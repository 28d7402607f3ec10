package cpm.prompting;

import ai.djl.pytorch.jni.JniUtils;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The batched EM on the engine against {@link GaussianMixture#emFit} class by class, from identical states.
 *
 * <p>Tolerance: both compute in float64 and round the stored parameters to float32. The two float64 results differ
 * by reordered sums only (relative ~1e-13 here), so a stored value is the same float32 or, when the two straddle a
 * rounding boundary, its neighbour: at most 1 ulp of float32. The mean log-likelihoods (not rounded) agree to
 * 1e-9 relative. A missing momentum blend, a wrong variance (floor, epsilon, bias) or a wrong assignment is off
 * by orders of magnitude more.
 */
class BatchedDiagonalEmTest {

    static final int DIM = 12;
    static final int M = 3;

    /** A bank of unit vectors around M centres per class; counts differ per class and one ring wraps. */
    static MemoryBank bank(int classes, int capacity, int[] counts, long seed) {
        MemoryBank b = new MemoryBank(classes, capacity, DIM);
        SplittableRandom r = new SplittableRandom(seed);
        for (int c = 0; c < classes; c++) {
            double[][] centre = new double[M][DIM];
            for (double[] ce : centre) {
                for (int d = 0; d < DIM; d++) {
                    ce[d] = GaussianMixture.gaussian(r);
                }
            }
            float[][] rows = new float[counts[c]][DIM];
            int[] cls = new int[counts[c]];
            for (int i = 0; i < rows.length; i++) {
                double[] ce = centre[r.nextInt(M)];
                double norm = 0;
                double[] v = new double[DIM];
                for (int d = 0; d < DIM; d++) {
                    v[d] = ce[d] + 0.4 * GaussianMixture.gaussian(r);
                    norm += v[d] * v[d];
                }
                for (int d = 0; d < DIM; d++) {
                    rows[i][d] = (float) (v[d] / Math.sqrt(norm));
                }
                cls[i] = c;
            }
            b.push(rows, cls);
        }
        return b;
    }

    static GaussianMixture mixture(int classes, double floor, double momentum, GaussianMixture.Config cfg) {
        GaussianMixture g = new GaussianMixture(classes, M, DIM, "diagonal", floor, momentum, 7);
        g.configure(cfg);
        return g;
    }

    /** Fits {@code classes} by emFit on a copy of g's state and by the batched EM on g; compares the two. */
    static void fitBothAndCompare(GaussianMixture g, MemoryBank bank, int[] classes, int iterations, String what) {
        GaussianMixture ref = new GaussianMixture(g.classes(), M, DIM, "diagonal", g.floor(), g.momentum(), 99);
        ref.configure(g.config());
        ref.load(g.state());
        double[] expected = new double[classes.length];
        for (int i = 0; i < classes.length; i++) {
            expected[i] = ref.emFit(classes[i], bank.samples(classes[i]), iterations);
        }
        double[] got = new BatchedDiagonalEm().fit(g, bank, classes, iterations);
        assertSame(ref, g, what);
        for (int i = 0; i < classes.length; i++) {
            assertEquals(expected[i], got[i], 1e-9 * Math.abs(expected[i]), what + ": mean log-likelihood");
            assertArrayEquals(ref.lastEmTrace(classes[i]), g.lastEmTrace(classes[i]),
                    1e-9 * Math.abs(expected[i]), what + ": EM trace");
        }
    }

    /** Every parameter of every class within 1 float32 ulp (see the class comment). */
    static void assertSame(GaussianMixture expected, GaussianMixture actual, String what) {
        for (int c = 0; c < expected.classes(); c++) {
            assertEquals(expected.fitted(c), actual.fitted(c), what + ": fitted " + c);
            assertClose(new double[][] {expected.weights(c)}, new double[][] {actual.weights(c)},
                    what + ": weights " + c);
            assertClose(expected.means(c), actual.means(c), what + ": means " + c);
            assertClose(expected.variances(c), actual.variances(c), what + ": variances " + c);
        }
    }

    static void assertClose(double[][] e, double[][] a, String what) {
        for (int i = 0; i < e.length; i++) {
            for (int j = 0; j < e[i].length; j++) {
                double tol = Math.ulp((float) e[i][j]);
                assertEquals(e[i][j], a[i][j], tol, what + " [" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void softEmClampedWithMomentumMatchesEmFitFirstAndLaterFits() {
        int[] counts = {40, 64, 100, 17, 6};   // 100 > capacity 64: that ring wraps
        MemoryBank bank = bank(5, 64, counts, 1);
        GaussianMixture g = mixture(5, 1e-3, 0.9, GaussianMixture.Config.LEGACY);
        int[] all = {0, 1, 2, 3, 4};
        fitBothAndCompare(g, bank, all, 3, "first fit");         // replaces the initialisation
        fitBothAndCompare(g, bank, new int[] {4, 2, 0}, 3, "second fit"); // blended with momentum
        fitBothAndCompare(g, bank(5, 64, new int[] {64, 64, 64, 64, 64}, 2), all, 2, "equal counts");
    }

    @Test
    void sinkhornAdditiveUnitMeansBlendedFirstFitMatchesEmFit() {
        GaussianMixture.Config gmmSeg = new GaussianMixture.Config(true, true, true, "shared", true, true);
        int[] counts = {48, 9, 64, 30};
        MemoryBank bank = bank(4, 64, counts, 3);
        GaussianMixture g = mixture(4, 1e-2, 0.9, gmmSeg);
        int[] all = {0, 1, 2, 3};
        fitBothAndCompare(g, bank, all, 3, "first fit (blended)");
        fitBothAndCompare(g, bank, all, 3, "second fit");
        GaussianMixture plain = mixture(4, 1e-2, 0.0, new GaussianMixture.Config(false, false, false, "unit", true,
                false));
        fitBothAndCompare(plain, bank, all, 4, "sinkhorn, clamped, no momentum");
    }

    @Test
    void anEmptyComponentKeepsItsParameters() {
        MemoryBank bank = bank(2, 64, new int[] {50, 64}, 5);
        GaussianMixture g = mixture(2, 1e-3, 0.0, GaussianMixture.Config.LEGACY);
        double[][] mu = g.means(0);
        double[][] var = new double[M][DIM];
        for (int m = 0; m < M; m++) {
            java.util.Arrays.fill(var[m], 0.05);
        }
        java.util.Arrays.fill(mu[2], 3.0);   // far from every unit-length sample: no responsibility
        var[2][0] = 2e-3;
        g.setParameters(0, new double[] {0.5, 0.49, 0.01}, mu, var);
        fitBothAndCompare(g, bank, new int[] {0, 1}, 3, "empty component");
        assertArrayEquals(mu[2], g.means(0)[2], 1e-6, "the empty component's mean is kept");
        assertEquals(2e-3, g.variances(0)[2][0], 1e-9, "and its variance");
        assertTrue(g.weights(0)[2] < 1e-8, "its weight is MIN_WEIGHT: " + g.weights(0)[2]);
    }

    @Test
    void resultDoesNotDependOnTheThreadCountAndRepeatsExactly() {
        MemoryBank bank = bank(6, 64, new int[] {64, 64, 33, 64, 12, 64}, 9);
        GaussianMixture.Config gmmSeg = new GaussianMixture.Config(true, true, true, "shared", true, true);
        GaussianMixture a = mixture(6, 1e-2, 0.9, gmmSeg);
        GaussianMixture b = mixture(6, 1e-2, 0.9, gmmSeg);
        GaussianMixture c = mixture(6, 1e-2, 0.9, gmmSeg);
        int[] all = {0, 1, 2, 3, 4, 5};
        int before = JniUtils.getNumThreads();
        try {
            JniUtils.setNumThreads(1);
            new BatchedDiagonalEm().fit(a, bank, all, 3);
            new BatchedDiagonalEm().fit(b, bank, all, 3);
            JniUtils.setNumThreads(2);
            new BatchedDiagonalEm().fit(c, bank, all, 3);
        } finally {
            JniUtils.setNumThreads(before);
        }
        Map<String, float[]> sa = a.state();
        Map<String, float[]> sb = b.state();
        for (String k : sa.keySet()) {
            assertArrayEquals(sa.get(k), sb.get(k), "run to run: " + k);
        }
        assertSame(a, c, "one thread against two");
    }

    @Test
    void ccdmUpdatesDiagonalMixturesLikeEmFitClassByClass() {
        Recipe r = Recipe.builder("t").set("queries.dim", DIM).set("classifier.components", M)
                .set("classifier.bankSize", 64).set("classifier.updateInterval", 1)
                .set("classifier.momentum", 0.9).set("classifier.space", "maskEmbed").build();
        Ccdm ccdm = CcdmTest.ccdm(r, 4);
        ccdm.useBatchedEm(true);
        MemoryBank filled = bank(5, 64, new int[] {64, 5, 64, 20, 64}, 11);  // class 1: below 2M, not fitted
        for (int c = 0; c < 5; c++) {
            float[][] rows = filled.samples(c);
            int[] cls = new int[rows.length];
            java.util.Arrays.fill(cls, c);
            ccdm.bank().push(rows, cls);
        }
        GaussianMixture g = ccdm.mixture();
        for (int step = 1; step <= 2; step++) {
            GaussianMixture ref = new GaussianMixture(5, M, DIM, "diagonal", g.floor(), g.momentum(), 99);
            ref.configure(g.config());
            ref.load(g.state());
            double[] ll = new double[5];
            for (int c : new int[] {0, 2, 3, 4}) {
                ll[c] = ref.emFit(c, ccdm.bank().samples(c), r.classifier().emIterations());
            }
            ref.shareVariance();
            assertTrue(ccdm.maybeUpdate(step));
            assertSame(ref, g, "Ccdm update " + step);
            for (int c : new int[] {0, 2, 3, 4}) {
                assertEquals(ll[c], ccdm.lastLogLikelihood()[c], 1e-9 * Math.abs(ll[c]), "log-likelihood " + c);
            }
            assertFalse(g.fitted(1));
        }
    }
}
