package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The GMMSeg-style CCDM head (classifier.head layernorm) and the estimator choices behind it. */
class GmmSegHeadTest {

    static Recipe recipe(String... kv) {
        Recipe r = Recipe.builder("t").set("classifier.space", "maskEmbed").set("queries.dim", 4)
                .set("classifier.components", 2).set("classifier.bankSize", 64).set("classifier.updateInterval", 1)
                .set("classifier.noObjectSamples", 4).set("classifier.momentum", 0.0)
                .set("classifier.firstFit", "replace").build();
        for (int i = 0; i < kv.length; i += 2) {
            r = r.with(kv[i], kv[i + 1]);
        }
        return r;
    }

    static Ccdm ccdm(Recipe r, int classes, NDManager m) {
        return new Ccdm(r.classifier(), r.gmmDim(), classes, new Weights(m, 5).child("gmm"), 3);
    }

    /** float64: x -> L2(LayerNorm(x)) with gamma 1, beta 0 (the initial affine). */
    static double[] embed(double[] x) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean) / x.length;
        }
        double[] y = new double[x.length];
        double n = 0;
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + 1e-5);
            n += y[i] * y[i];
        }
        for (int i = 0; i < x.length; i++) {
            y[i] /= Math.sqrt(n);
        }
        return y;
    }

    static double logNormalDiag(double[] x, double[] mu, double[] var) {
        double s = -0.5 * x.length * Math.log(2 * Math.PI);
        for (int d = 0; d < x.length; d++) {
            s -= 0.5 * (Math.log(var[d]) + (x[d] - mu[d]) * (x[d] - mu[d]) / var[d]);
        }
        return s;
    }

    @Test
    void logitsAreTheClassAxisLayerNormOfTheMaxComponentScore() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ccdm c = ccdm(recipe(), 2, m);
            GaussianMixture g = c.mixture();
            SplittableRandom r = new SplittableRandom(11);
            for (int k = 0; k < 3; k++) {
                double[][] mu = new double[2][4];
                double[][] var = new double[2][4];
                for (int j = 0; j < 2; j++) {
                    for (int d = 0; d < 4; d++) {
                        mu[j][d] = r.nextDouble(-1, 1);
                        var[j][d] = r.nextDouble(0.01, 0.2);
                    }
                }
                g.setParameters(k, new double[] {0.3, 0.7}, mu, var);
            }
            double[][] q = {{0.3, -1.2, 0.5, 2}, {1, 0, 0.2, -0.4}};
            NDArray embeds = m.create(new float[] {0.3f, -1.2f, 0.5f, 2, 1, 0, 0.2f, -0.4f}, new Shape(1, 2, 4));
            float[] got = c.classifier().logits(m.zeros(new Shape(1, 2, 8)), embeds).toFloatArray();
            double eps = g.floor();
            for (int i = 0; i < 2; i++) {
                double[] x = embed(q[i]);
                double[] s = new double[3];
                for (int k = 0; k < 3; k++) {
                    double[][] mu = g.means(k);
                    double[][] var = g.variances(k);
                    s[k] = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < 2; j++) {
                        double[] v = var[j].clone();
                        for (int d = 0; d < 4; d++) {
                            v[d] += eps; // classifier.variance add
                        }
                        s[k] = Math.max(s[k], logNormalDiag(x, mu[j], v)); // max over components, no weights
                    }
                }
                double mean = (s[0] + s[1] + s[2]) / 3;
                double var = 0;
                for (double v : s) {
                    var += (v - mean) * (v - mean) / 3;
                }
                for (int k = 0; k < 3; k++) {
                    double expected = (s[k] - mean) / Math.sqrt(var + 1e-5); // gamma 1, beta 0 at initialisation
                    assertEquals(expected, got[i * 3 + k], 2e-4, "query " + i + " class " + k);
                }
            }
        }
    }

    @Test
    void unfittedClassesAreLeftOutOfTheClassNormWhenMasked() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ccdm c = ccdm(recipe("classifier.unfitted", "mask"), 2, m);
            GaussianMixture g = c.mixture();
            double[][] mu = {{0.5, 0.5, 0.5, 0.5}, {-0.5, 0.5, -0.5, 0.5}};
            double[][] var = {{0.05, 0.05, 0.05, 0.05}, {0.05, 0.05, 0.05, 0.05}};
            g.setParameters(0, new double[] {0.5, 0.5}, mu, var);
            g.setParameters(2, new double[] {0.5, 0.5}, new double[][] {{0.5, -0.5, 0.5, -0.5}, {0, 0, 1, 0}}, var);
            NDArray queries = m.create(new float[] {0.3f, -1.2f, 0.5f, 2}, new Shape(1, 1, 4));
            float[] got = c.classifier().logits(queries, queries).toFloatArray();
            // two fitted classes: their z-scores are exactly +1 and -1; the unfitted class sits MASKED below
            assertEquals(0, got[0] + got[2], 1e-4);
            assertEquals(1, Math.abs(got[0]), 1e-3);
            assertEquals(GmmClassifier.MASKED, got[1], 1e-4);
        }
    }

    @Test
    void theNoObjectPriorIsTheRunningUnmatchedShare() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ccdm c = ccdm(recipe("classifier.noObject", "prior"), 2, m);
            float[] uniform = c.logPrior();
            assertEquals(Math.log(1 / 3.0), uniform[0], 1e-6);
            // 2 images x 4 queries, 2 matched: share 0.75 at the first observation
            c.observe(m.randomNormal(new Shape(2, 4, 4)), null, new int[][] {{0, 2, 2, 2}, {1, 2, 2, 2}});
            float[] p = c.logPrior();
            assertEquals(Math.log(0.75), p[2], 1e-6);
            assertEquals(Math.log(0.125), p[0], 1e-6);
            assertEquals(0.75, c.noObjectFraction(), 0);
        }
    }

    @Test
    void correctOnlyEnqueueKeepsWhatTheClassifierLabelsRight() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ccdm c = ccdm(recipe("classifier.enqueue", "correct", "classifier.noObjectSamples", "8"), 2, m);
            NDArray feats = m.randomNormal(new Shape(1, 4, 4));
            // logits whose argmax is 0, 1, 2, 2 for the four queries
            NDArray logits = m.create(new float[] {5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 5}, new Shape(1, 4, 3));
            c.observe(feats, logits, new int[][] {{0, 0, 2, 2}});
            assertEquals(1, c.bank().count(0), "query 1 is class 0 but labelled 1");
            assertEquals(0, c.bank().count(1));
            assertEquals(2, c.bank().count(2));
        }
    }

    @Test
    void promptsOnTheSphereFollowTheFittedSpread() {
        GaussianMixture g = new GaussianMixture(2, 1, 16, "diagonal", 0.05, 3);
        g.configure(new GaussianMixture.Config(true, true, true, "shared", true, true));
        double[] mu = new double[16];
        mu[0] = 1;
        double[] var = new double[16];
        java.util.Arrays.fill(var, 1e-3);
        g.setParameters(0, new double[] {1}, new double[][] {mu}, new double[][] {var});
        float[][] z = g.sampleOnSphere(0, 200, new SplittableRandom(5));
        double cos = 0;
        for (float[] v : z) {
            double n = 0;
            for (float x : v) {
                n += x * x;
            }
            assertEquals(1, Math.sqrt(n), 1e-5);
            cos += v[0] / 200.0;
        }
        // |noise|^2 ~ 16 * 1e-3: cos = 1 / sqrt(1 + 0.016) ~ 0.992; with the floor as variance it would be ~0.6
        assertEquals(1 / Math.sqrt(1 + 16e-3), cos, 5e-3);
        float[][] floored = g.sample(0, 200, new SplittableRandom(5));
        double n2 = 0;
        for (float[] v : floored) {
            for (int d = 1; d < 16; d++) {
                n2 += v[d] * v[d] / 200.0;
            }
        }
        assertEquals(15 * (1e-3 + 0.05), n2, 0.15, "sample() keeps the variance plus epsilon");
    }

    @Test
    void additiveVarianceStoresTheSampleVarianceAndBlendsTheFirstFit() {
        int n = 400;
        float[][] x = new float[n][3];
        SplittableRandom r = new SplittableRandom(9);
        for (float[] row : x) {
            for (int d = 0; d < 3; d++) {
                row[d] = (float) (d + 0.1 * GaussianMixture.gaussian(r));
            }
        }
        double[] mean = new double[3];
        double[] var = new double[3];
        for (float[] row : x) {
            for (int d = 0; d < 3; d++) {
                mean[d] += row[d] / (double) n;
            }
        }
        for (float[] row : x) {
            for (int d = 0; d < 3; d++) {
                var[d] += (row[d] - mean[d]) * (row[d] - mean[d]) / n;
            }
        }
        GaussianMixture add = new GaussianMixture(1, 1, 3, "diagonal", 0.5, 2);
        add.configure(new GaussianMixture.Config(true, false, false, "unit", false, false));
        add.emFit(0, x, 1);
        for (int d = 0; d < 3; d++) {
            assertEquals(var[d], add.variances(0)[0][d], 1e-6, "no clamp at the 0.5 floor");
            assertEquals(mean[d], add.means(0)[0][d], 1e-6);
        }
        // blending the first fit: new = 0.6 * initial + 0.4 * EM
        GaussianMixture blend = new GaussianMixture(1, 1, 3, "diagonal", 0.5, 0.6, 2);
        blend.configure(new GaussianMixture.Config(true, false, false, "unit", false, true));
        double[] init = blend.means(0)[0];
        blend.emFit(0, x, 1);
        for (int d = 0; d < 3; d++) {
            assertEquals(0.6 * init[d] + 0.4 * mean[d], blend.means(0)[0][d], 1e-6);
            assertEquals(0.6 * 1 + 0.4 * var[d], blend.variances(0)[0][d], 1e-6);
        }
    }

    @Test
    void sinkhornSpreadsSamplesEvenlyOverComponents() {
        // every sample is closest to component 0; balancing still gives each component about a third
        int n = 300;
        int comps = 3;
        double[] logp = new double[n * comps];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            logp[i * comps] = -1 + 0.1 * u;
            logp[i * comps + 1] = -1.5 + 0.3 * u;
            logp[i * comps + 2] = -2 + 0.5 * u;
        }
        double[] resp = new double[n * comps];
        SinkhornAssignment.hard(logp, n, comps, resp);
        int[] count = new int[comps];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < comps; k++) {
                sum += resp[i * comps + k];
                count[k] += (int) resp[i * comps + k];
            }
            assertEquals(1, sum, 0, "one-hot");
        }
        // plain argmax would give all 300 to component 0; three Sinkhorn iterations (GMMSeg's) move most of the
        // mass toward the equal split
        for (int k = 0; k < comps; k++) {
            assertTrue(count[k] > 30, "component " + k + " got " + count[k] + " of 300");
        }
        assertTrue(count[0] < 200, "component 0 got " + count[0]);
    }

    @Test
    void sharedVarianceGivesUnfittedClassesTheFittedMean() {
        GaussianMixture g = new GaussianMixture(3, 1, 2, "diagonal", 1e-4, 2);
        g.configure(new GaussianMixture.Config(true, true, true, "shared", false, false));
        assertEquals(0.5, g.variances(1)[0][0], 1e-7, "1/D before any fit");
        g.setParameters(0, new double[] {1}, new double[][] {{1, 0}}, new double[][] {{0.01, 0.03}});
        g.shareVariance();
        assertEquals(0.02, g.variances(1)[0][0], 1e-7);
        assertEquals(0.02, g.variances(2)[0][1], 1e-7);
        assertEquals(0.03, g.variances(0)[0][1], 1e-7, "fitted classes keep their own");
    }
}
