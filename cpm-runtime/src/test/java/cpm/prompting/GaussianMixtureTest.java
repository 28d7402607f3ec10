package cpm.prompting;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class GaussianMixtureTest {

    // ---- float64 reference in plain Java ------------------------------------------------------------------

    /** log N(x; mu, S) by Gaussian elimination (inverse and determinant), in double. */
    static double logNormal(double[] x, double[] mu, double[][] s) {
        int d = x.length;
        double[][] a = new double[d][2 * d];
        for (int i = 0; i < d; i++) {
            System.arraycopy(s[i], 0, a[i], 0, d);
            a[i][d + i] = 1;
        }
        double logDet = 0;
        for (int c = 0; c < d; c++) {
            int piv = c;
            for (int r = c + 1; r < d; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            double p = a[c][c];
            logDet += Math.log(Math.abs(p));
            for (int j = 0; j < 2 * d; j++) {
                a[c][j] /= p;
            }
            for (int r = 0; r < d; r++) {
                if (r != c) {
                    double f = a[r][c];
                    for (int j = 0; j < 2 * d; j++) {
                        a[r][j] -= f * a[c][j];
                    }
                }
            }
        }
        double q = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                q += (x[i] - mu[i]) * a[i][d + j] * (x[j] - mu[j]);
            }
        }
        return -0.5 * (d * Math.log(2 * Math.PI) + logDet + q);
    }

    static double logMixture(GaussianMixture g, int c, double[] x) {
        double[] w = g.weights(c);
        double[][] mu = g.means(c);
        double[][][] s = g.covariances(c);
        double[] lp = new double[w.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < w.length; m++) {
            lp[m] = Math.log(w[m]) + logNormal(x, mu[m], s[m]);
            max = Math.max(max, lp[m]);
        }
        double sum = 0;
        for (double v : lp) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** Random parameters: diagonal variances in [0.05, 0.5], full covariances A A^T / D + 0.05 I. */
    static GaussianMixture randomMixture(int classes, int m, int d, String cov, long seed) {
        GaussianMixture g = new GaussianMixture(classes, m, d, cov, 1e-4, seed);
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (int c = 0; c < classes; c++) {
            double[] w = new double[m];
            double[][] mu = new double[m][d];
            double[][] s = new double[m][];
            for (int k = 0; k < m; k++) {
                w[k] = 0.2 + r.nextDouble();
                for (int i = 0; i < d; i++) {
                    mu[k][i] = r.nextDouble(-0.5, 0.5);
                }
                if ("diagonal".equals(cov)) {
                    s[k] = new double[d];
                    for (int i = 0; i < d; i++) {
                        s[k][i] = r.nextDouble(0.05, 0.5);
                    }
                } else {
                    double[][] a = new double[d][d];
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < d; j++) {
                            a[i][j] = r.nextDouble(-1, 1);
                        }
                    }
                    s[k] = new double[d * d];
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < d; j++) {
                            double v = 0;
                            for (int t = 0; t < d; t++) {
                                v += a[i][t] * a[j][t];
                            }
                            s[k][i * d + j] = v / d * 0.3 + (i == j ? 0.05 : 0);
                        }
                    }
                }
            }
            g.setParameters(c, w, mu, s);
        }
        return g;
    }

    @Test
    void logLikelihoodMatchesFloat64ReferenceDiagonalAndFull() {
        for (String cov : new String[] {"diagonal", "full"}) {
            GaussianMixture g = randomMixture(4, 3, 5, cov, 11);
            SplittableRandom r = new SplittableRandom(3);
            int p = 7;
            double[] x = new double[p * 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble(-1, 1);
            }
            try (NDManager m = NDManager.newBaseManager()) {
                double[] ll64 = g.logLikelihood(m.create(x, new Shape(p, 5))).toDoubleArray();
                float[] xf = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    xf[i] = (float) x[i];
                }
                float[] ll32 = g.logLikelihood(m.create(xf, new Shape(p, 5))).toFloatArray();
                for (int i = 0; i < p; i++) {
                    double[] xi = java.util.Arrays.copyOfRange(x, i * 5, i * 5 + 5);
                    double[] xr = new double[5];
                    for (int d = 0; d < 5; d++) {
                        xr[d] = (float) x[i * 5 + d];
                    }
                    for (int c = 0; c < 4; c++) {
                        // float64 path: constants are float32-rounded, so a tolerance of float32 precision
                        assertEquals(logMixture(g, c, xi), ll64[i * 4 + c], 2e-4 * (1 + Math.abs(ll64[i * 4 + c])), cov);
                        assertEquals(logMixture(g, c, xr), ll32[i * 4 + c], 5e-4 * (1 + Math.abs(ll32[i * 4 + c])), cov);
                    }
                }
            }
        }
    }

    @Test
    void farAwayPointsGiveFiniteLogLikelihoods() {
        for (String cov : new String[] {"diagonal", "full"}) {
            GaussianMixture g = randomMixture(3, 2, 4, cov, 5);
            try (NDManager m = NDManager.newBaseManager()) {
                float[] x = {300f, -200f, 100f, 50f, 1e3f, 1e3f, -1e3f, 1e3f};
                float[] ll = g.logLikelihood(m.create(x, new Shape(2, 4))).toFloatArray();
                for (int i = 0; i < 2; i++) {
                    double[] xi = {x[i * 4], x[i * 4 + 1], x[i * 4 + 2], x[i * 4 + 3]};
                    for (int c = 0; c < 3; c++) {
                        float v = ll[i * 3 + c];
                        assertTrue(Float.isFinite(v), cov + ": " + v);
                        assertEquals(logMixture(g, c, xi), v, 1e-3 * Math.abs(v), cov);
                    }
                }
            }
        }
    }

    @Test
    void gradientWithRespectToXMatchesFiniteDifferences() {
        for (String cov : new String[] {"diagonal", "full"}) {
            GaussianMixture g = randomMixture(3, 2, 4, cov, 21);
            SplittableRandom r = new SplittableRandom(9);
            double[] x = new double[3 * 4];
            double[] coef = new double[3 * 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble(-0.8, 0.8);
            }
            for (int i = 0; i < coef.length; i++) {
                coef[i] = r.nextDouble(-1, 1);
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray xa = m.create(x, new Shape(3, 4));
                xa.setRequiresGradient(true);
                NDArray w = m.create(coef, new Shape(3, 3));
                double[] grad;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = g.logLikelihood(xa).mul(w).sum();
                    gc.backward(loss);
                    grad = xa.getGradient().toDoubleArray();
                }
                double h = 1e-5;
                for (int i = 0; i < x.length; i++) {
                    double[] xp = x.clone();
                    double[] xm = x.clone();
                    xp[i] += h;
                    xm[i] -= h;
                    double fp = g.logLikelihood(m.create(xp, new Shape(3, 4))).mul(w).sum().getDouble();
                    double fm = g.logLikelihood(m.create(xm, new Shape(3, 4))).mul(w).sum().getDouble();
                    double fd = (fp - fm) / (2 * h);
                    assertEquals(fd, grad[i], 1e-5 * (1 + Math.abs(fd)), cov + " x[" + i + "]");
                    assertNotEquals(0.0, grad[i]);
                }
            }
        }
    }

    /** Draws from a known mixture in plain Java (independent of GaussianMixture.sample). */
    static float[][] drawKnown(double[] w, double[][] mu, double[][][] chol, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int d = mu[0].length;
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            int m = 0;
            double acc = w[0];
            while (u >= acc && m < w.length - 1) {
                acc += w[++m];
            }
            double[] e = new double[d];
            for (int j = 0; j < d; j++) {
                e[j] = GaussianMixture.gaussian(r);
            }
            for (int j = 0; j < d; j++) {
                double v = mu[m][j];
                for (int t = 0; t <= j; t++) {
                    v += chol[m][j][t] * e[t];
                }
                out[i][j] = (float) v;
            }
        }
        return out;
    }

    @Test
    void emRecoversKnownDiagonalMixture() {
        double[] w = {0.5, 0.3, 0.2};
        double[][] mu = {{0.6, 0.0, 0.2}, {-0.5, 0.5, 0.0}, {0.0, -0.6, -0.4}};
        double[][] var = {{0.01, 0.02, 0.005}, {0.015, 0.01, 0.02}, {0.008, 0.01, 0.01}};
        double[][][] chol = new double[3][3][3];
        for (int m = 0; m < 3; m++) {
            for (int d = 0; d < 3; d++) {
                chol[m][d][d] = Math.sqrt(var[m][d]);
            }
        }
        float[][] x = drawKnown(w, mu, chol, 20000, 1);
        GaussianMixture g = new GaussianMixture(2, 3, 3, "diagonal", 1e-6, 4);
        // warm start near (not at) the truth: EM's job is the refinement, not the global search
        double[][] mu0 = new double[3][3];
        double[][] var0 = new double[3][3];
        for (int m = 0; m < 3; m++) {
            for (int d = 0; d < 3; d++) {
                mu0[m][d] = mu[m][d] + 0.1;
                var0[m][d] = 0.05;
            }
        }
        g.setParameters(1, new double[] {1, 1, 1}, mu0, var0);
        g.emFit(1, x, 60);
        double[] wf = g.weights(1);
        double[][] mf = g.means(1);
        double[][] vf = g.variances(1);
        for (int m = 0; m < 3; m++) {
            assertEquals(w[m], wf[m], 0.015);
            for (int d = 0; d < 3; d++) {
                assertEquals(mu[m][d], mf[m][d], 0.01);
                assertEquals(var[m][d], vf[m][d], 0.1 * var[m][d]);
            }
        }
    }

    @Test
    void emRecoversKnownFullMixture() {
        double[] w = {0.6, 0.4};
        double[][] mu = {{0.5, 0.2, -0.1}, {-0.5, -0.3, 0.3}};
        double[][][] chol = {
                {{0.1, 0, 0}, {0.06, 0.08, 0}, {-0.03, 0.02, 0.05}},
                {{0.07, 0, 0}, {-0.05, 0.1, 0}, {0.0, 0.04, 0.09}}};
        float[][] x = drawKnown(w, mu, chol, 20000, 2);
        GaussianMixture g = new GaussianMixture(1, 2, 3, "full", 1e-7, 4);
        double[][] mu0 = {{0.4, 0.3, 0.0}, {-0.4, -0.2, 0.2}};
        double[][] s0 = new double[2][9];
        for (int m = 0; m < 2; m++) {
            for (int d = 0; d < 3; d++) {
                s0[m][d * 3 + d] = 0.05;
            }
        }
        g.setParameters(0, new double[] {1, 1}, mu0, s0);
        g.emFit(0, x, 60);
        double[][][] sf = g.covariances(0);
        for (int m = 0; m < 2; m++) {
            assertEquals(w[m], g.weights(0)[m], 0.015);
            for (int i = 0; i < 3; i++) {
                assertEquals(mu[m][i], g.means(0)[m][i], 0.01);
                for (int j = 0; j < 3; j++) {
                    double s = 0;
                    for (int t = 0; t < 3; t++) {
                        s += chol[m][i][t] * chol[m][j][t];
                    }
                    assertEquals(s, sf[m][i][j], 0.1 * Math.sqrt(sf[m][i][i] * sf[m][j][j]), m + ":" + i + "," + j);
                }
            }
        }
    }

    @Test
    void emNeverLowersTheLogLikelihoodWithoutMomentum() {
        SplittableRandom r = new SplittableRandom(8);
        float[][] x = new float[400][4];
        for (float[] row : x) {
            for (int d = 0; d < 4; d++) {
                row[d] = (float) (r.nextDouble() < 0.5 ? GaussianMixture.gaussian(r) * 0.3 : r.nextDouble(-1, 2));
            }
        }
        for (String cov : new String[] {"diagonal", "full"}) {
            GaussianMixture g = new GaussianMixture(1, 3, 4, cov, 1e-9, 17);
            double ll = g.emFit(0, x, 40);
            double[] trace = g.lastEmTrace(0);
            for (int i = 1; i < trace.length; i++) {
                assertTrue(trace[i] >= trace[i - 1] - 1e-12 * Math.abs(trace[i - 1]),
                        cov + " iteration " + i + ": " + trace[i - 1] + " -> " + trace[i]);
            }
            assertTrue(ll >= trace[trace.length - 1] - 1e-6, cov);
            // and across calls (parameters are float32-rounded between calls)
            double prev = ll;
            for (int k = 0; k < 10; k++) {
                double next = g.emFit(0, x, 1);
                assertTrue(next >= prev - 1e-5 * Math.abs(prev), cov + " call " + k + ": " + prev + " -> " + next);
                prev = next;
            }
            assertEquals(g.meanLogLikelihood(0, x), prev, 1e-9);
        }
    }

    @Test
    void momentumBlendsAfterTheFirstFit() {
        SplittableRandom r = new SplittableRandom(2);
        float[][] x = new float[50][2];
        for (float[] row : x) {
            row[0] = (float) r.nextDouble();
            row[1] = (float) r.nextDouble();
        }
        GaussianMixture plain = new GaussianMixture(1, 1, 2, "diagonal", 1e-4, 0.0, 3);
        GaussianMixture mom = new GaussianMixture(1, 1, 2, "diagonal", 1e-4, 0.9, 3);
        plain.emFit(0, x, 1);
        mom.emFit(0, x, 1); // first fit: no blending with the random initialisation
        assertArrayEquals(plain.means(0)[0], mom.means(0)[0], 0);
        float[][] shifted = new float[50][2];
        for (int i = 0; i < 50; i++) {
            shifted[i][0] = x[i][0] + 1;
            shifted[i][1] = x[i][1];
        }
        double old = mom.means(0)[0][0];
        plain.emFit(0, shifted, 1);
        mom.emFit(0, shifted, 1);
        assertEquals(0.9 * old + 0.1 * plain.means(0)[0][0], mom.means(0)[0][0], 1e-6);
    }

    @Test
    void initialisationIsSeededUnitMeansUnitVariancesEqualWeights() {
        GaussianMixture a = new GaussianMixture(3, 2, 8, "diagonal", 1e-4, 5);
        GaussianMixture b = new GaussianMixture(3, 2, 8, "diagonal", 1e-4, 5);
        assertEquals(a.state().keySet(), b.state().keySet());
        for (String k : a.state().keySet()) {
            assertArrayEquals(a.state().get(k), b.state().get(k));
        }
        for (double[] mu : a.means(2)) {
            double n = 0;
            for (double v : mu) {
                n += v * v;
            }
            assertEquals(1, n, 1e-5);
        }
        assertArrayEquals(new double[] {0.5, 0.5}, a.weights(1), 0);
        assertEquals(1.0, a.variances(0)[1][3]);
        assertFalse(a.fitted(0));
    }

    @Test
    void samplingStatisticsMatchTheParameters() {
        // diagonal: well separated components, so each draw's component is its nearest mean
        GaussianMixture g = new GaussianMixture(2, 3, 2, "diagonal", 1e-6, 1);
        double[] w = {0.2, 0.5, 0.3};
        double[][] mu = {{-3, 0}, {0, 3}, {3, -1}};
        double[][] var = {{0.04, 0.09}, {0.01, 0.25}, {0.16, 0.04}};
        g.setParameters(1, w, mu, var);
        checkSamples(g, 1, w, mu, new double[][][] {
                {{0.04, 0}, {0, 0.09}}, {{0.01, 0}, {0, 0.25}}, {{0.16, 0}, {0, 0.04}}});
        GaussianMixture f = new GaussianMixture(1, 2, 2, "full", 1e-6, 1);
        double[][][] s = {{{0.09, 0.05}, {0.05, 0.04}}, {{0.04, -0.03}, {-0.03, 0.09}}};
        f.setParameters(0, new double[] {0.7, 0.3}, new double[][] {{-2, -2}, {2, 2}},
                new double[][] {{0.09, 0.05, 0.05, 0.04}, {0.04, -0.03, -0.03, 0.09}});
        checkSamples(f, 0, new double[] {0.7, 0.3}, new double[][] {{-2, -2}, {2, 2}}, s);
    }

    private static void checkSamples(GaussianMixture g, int cls, double[] w, double[][] mu, double[][][] s) {
        int n = 100_000;
        float[][] z = g.sample(cls, n, new SplittableRandom(42));
        int m = w.length;
        double[] cnt = new double[m];
        double[][] sum = new double[m][2];
        double[][][] sq = new double[m][2][2];
        for (float[] v : z) {
            int best = 0;
            for (int k = 1; k < m; k++) {
                if (dist(v, mu[k]) < dist(v, mu[best])) {
                    best = k;
                }
            }
            cnt[best]++;
            for (int i = 0; i < 2; i++) {
                sum[best][i] += v[i];
                for (int j = 0; j < 2; j++) {
                    sq[best][i][j] += (v[i] - mu[best][i]) * (v[j] - mu[best][j]);
                }
            }
        }
        for (int k = 0; k < m; k++) {
            assertEquals(w[k], cnt[k] / n, 0.01);
            for (int i = 0; i < 2; i++) {
                assertEquals(mu[k][i], sum[k][i] / cnt[k], 0.01);
                for (int j = 0; j < 2; j++) {
                    assertEquals(s[k][i][j], sq[k][i][j] / cnt[k], 0.05 * Math.sqrt(s[k][i][i] * s[k][j][j]));
                }
            }
        }
    }

    private static double dist(float[] v, double[] mu) {
        return (v[0] - mu[0]) * (v[0] - mu[0]) + (v[1] - mu[1]) * (v[1] - mu[1]);
    }

    @Test
    void stateRoundTripsExactly() {
        for (String cov : new String[] {"diagonal", "full"}) {
            GaussianMixture g = new GaussianMixture(3, 2, 4, cov, 1e-4, 0.5, 7);
            SplittableRandom r = new SplittableRandom(1);
            float[][] x = new float[40][4];
            for (float[] row : x) {
                for (int d = 0; d < 4; d++) {
                    row[d] = (float) r.nextDouble(-1, 1);
                }
            }
            g.emFit(1, x, 3);
            g.emFit(1, x, 3);
            GaussianMixture h = new GaussianMixture(3, 2, 4, cov, 1e-4, 0.5, 99);
            Map<String, float[]> st = g.state();
            h.load(st);
            for (String k : st.keySet()) {
                assertArrayEquals(st.get(k), h.state().get(k), k);
            }
            for (int c = 0; c < 3; c++) {
                assertEquals(g.fitted(c), h.fitted(c));
                assertArrayEquals(g.weights(c), h.weights(c), 0);
            }
            float[][] zg = g.sample(1, 5, new SplittableRandom(3));
            float[][] zh = h.sample(1, 5, new SplittableRandom(3));
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(zg[i], zh[i]);
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray xa = m.create(x[0], new Shape(1, 4));
                assertArrayEquals(g.logLikelihood(xa).toFloatArray(), h.logLikelihood(xa).toFloatArray());
            }
            // continued training is identical too
            assertEquals(g.emFit(1, x, 2), h.emFit(1, x, 2));
            GaussianMixture wrong = new GaussianMixture(3, 2, 5, cov, 1e-4, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.load(st));
            assertTrue(e.getMessage().contains("shape"));
        }
    }

    @Test
    void identicalSamplesGiveFlooredFiniteComponents() {
        float[][] x = new float[20][3];
        for (float[] row : x) {
            row[0] = 0.6f;
            row[1] = 0.8f;
        }
        for (String cov : new String[] {"diagonal", "full"}) {
            GaussianMixture g = new GaussianMixture(1, 2, 3, cov, 1e-4, 3);
            double ll = g.emFit(0, x, 5);
            assertTrue(Double.isFinite(ll), cov);
            for (double[] var : g.variances(0)) {
                for (double v : var) {
                    assertEquals(1e-4, v, 1e-9, cov);
                }
            }
            try (NDManager m = NDManager.newBaseManager()) {
                float[] l = g.logLikelihood(m.create(x[0], new Shape(1, 3))).toFloatArray();
                assertEquals(ll, l[0], 1e-3 * Math.abs(ll), cov);
            }
        }
    }
}
