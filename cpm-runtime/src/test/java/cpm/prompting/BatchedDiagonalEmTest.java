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
 *
 * <p>The float32 products ({@code new BatchedDiagonalEm(true)}, what Ccdm runs; only where the assignment is
 * Sinkhorn-hard, soft EM stays float64 and must then meet the tighter bound too) sum up to 2 * 2048 float32 terms
 * per value, so they are compared by the error float32 arithmetic can make at the data's scale instead of in ulps of
 * each value: the samples are unit vectors (components up to 1, stored in float32), so a mean component near 0
 * carries the absolute error of sums of values of size ~1, not a relative one (ulp counts there reach thousands
 * at paper sizes while the absolute difference is 2e-8). Means: |a - b| <= 1e-6 * max(1, |b|) (~17 float32 ulps of
 * 1); variances (E_r[x^2] - E_r[x]^2, a difference of float32 sums of squares of size up to ~0.1 here, where a
 * component lies far from the bank mean): relative 1e-5 plus 1e-7 absolute for that cancellation (a 6-sample
 * class here: 4e-8 on a variance of 1.8e-3, 2.3e-5 relative); weights (hard assignment
 * counts, or soft sums of float64 responsibilities): 1e-6; log-likelihoods (sums of 2D float32 products): relative
 * 1e-5. Measured at paper sizes: means 2.2e-8, variances 1.8e-6 relative, weights equal. A changed Sinkhorn
 * assignment moves a weight by 1/n (>= 5e-4) and fails.
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

    /**
     * Fits {@code classes} by emFit on a copy of g's state, by the float32-product batched EM on another copy and by
     * the float64 batched EM on g; compares both with emFit (1 ulp, and the float32 tolerance).
     */
    static void fitBothAndCompare(GaussianMixture g, MemoryBank bank, int[] classes, int iterations, String what) {
        GaussianMixture ref = copy(g, 99);
        GaussianMixture g32 = copy(g, 98);
        double[] expected = new double[classes.length];
        for (int i = 0; i < classes.length; i++) {
            expected[i] = ref.emFit(classes[i], bank.samples(classes[i]), iterations);
        }
        double[] got = new BatchedDiagonalEm().fit(g, bank, classes, iterations);
        double[] got32 = new BatchedDiagonalEm(true).fit(g32, bank, classes, iterations);
        assertSame(ref, g, what);
        assertSame(ref, g32, true, what + " (float32 products)");
        for (int i = 0; i < classes.length; i++) {
            assertEquals(expected[i], got[i], 1e-9 * Math.abs(expected[i]), what + ": mean log-likelihood");
            assertArrayEquals(ref.lastEmTrace(classes[i]), g.lastEmTrace(classes[i]),
                    1e-9 * Math.abs(expected[i]), what + ": EM trace");
            assertEquals(expected[i], got32[i], 1e-5 * Math.abs(expected[i]), what + ": float32 log-likelihood");
            assertArrayEquals(ref.lastEmTrace(classes[i]), g32.lastEmTrace(classes[i]),
                    1e-5 * Math.abs(expected[i]), what + ": float32 EM trace");
        }
    }

    static GaussianMixture copy(GaussianMixture g, long seed) {
        GaussianMixture c = new GaussianMixture(g.classes(), M, DIM, "diagonal", g.floor(), g.momentum(), seed);
        c.configure(g.config());
        c.load(g.state());
        return c;
    }

    /** Every parameter of every class within 1 float32 ulp (see the class comment). */
    static void assertSame(GaussianMixture expected, GaussianMixture actual, String what) {
        assertSame(expected, actual, false, what);
    }

    /** {@code single}: within the float32-product tolerance of the class comment instead. */
    static void assertSame(GaussianMixture expected, GaussianMixture actual, boolean single, String what) {
        for (int c = 0; c < expected.classes(); c++) {
            assertEquals(expected.fitted(c), actual.fitted(c), what + ": fitted " + c);
            assertClose(new double[][] {expected.weights(c)}, new double[][] {actual.weights(c)},
                    single ? Tol.WEIGHT : Tol.ULP, what + ": weights " + c);
            assertClose(expected.means(c), actual.means(c), single ? Tol.MEAN : Tol.ULP, what + ": means " + c);
            assertClose(expected.variances(c), actual.variances(c), single ? Tol.VARIANCE : Tol.ULP,
                    what + ": variances " + c);
        }
    }

    /** The tolerances of the class comment, for expected value e. */
    enum Tol {
        ULP, WEIGHT, MEAN, VARIANCE;

        double of(double e) {
            return switch (this) {
                case ULP -> Math.ulp((float) e);
                case WEIGHT -> 1e-6;
                case MEAN -> 1e-6 * Math.max(1, Math.abs(e));
                case VARIANCE -> 1e-5 * Math.abs(e) + 1e-7;
            };
        }
    }

    static void assertClose(double[][] e, double[][] a, Tol tol, String what) {
        for (int i = 0; i < e.length; i++) {
            for (int j = 0; j < e[i].length; j++) {
                assertEquals(e[i][j], a[i][j], tol.of(e[i][j]), what + " [" + i + "][" + j + "]");
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
        // equal counts: no padding mask (the transposed Sinkhorn)
        fitBothAndCompare(g, bank(4, 64, new int[] {64, 64, 64, 64}, 4), all, 3, "equal counts");
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
            new BatchedDiagonalEm(true).fit(a, bank, all, 3);
            new BatchedDiagonalEm(true).fit(b, bank, all, 3);
            JniUtils.setNumThreads(2);
            new BatchedDiagonalEm(true).fit(c, bank, all, 3);
            assertEquals(2, JniUtils.getNumThreads(), "the caller's thread count is restored");
        } finally {
            JniUtils.setNumThreads(before);
        }
        Map<String, float[]> sa = a.state();
        Map<String, float[]> sb = b.state();
        for (String k : sa.keySet()) {
            assertArrayEquals(sa.get(k), sb.get(k), "run to run: " + k);
        }
        Map<String, float[]> sc = c.state();
        for (String k : sa.keySet()) {
            assertArrayEquals(sa.get(k), sc.get(k), "one thread against two: " + k);
        }
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
            assertSame(ref, g, true, "Ccdm update " + step);   // Ccdm runs the float32 products
            for (int c : new int[] {0, 2, 3, 4}) {
                assertEquals(ll[c], ccdm.lastLogLikelihood()[c], 1e-5 * Math.abs(ll[c]), "log-likelihood " + c);
            }
            assertFalse(g.fitted(1));
        }
    }
}
