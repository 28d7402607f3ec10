package cpm.prompting;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PromptContrastiveLearningTest {

    static double[] unit(double... v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        double[] o = v.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] /= Math.sqrt(n);
        }
        return o;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void infoNceMatchesEq9ByHand() {
        check(false);
    }

    @Test
    void acrossTheBatchPositivesAndNegativesComeFromEveryImage() {
        check(true);
    }

    private static void check(boolean acrossBatch) {
        double tau = 0.5;
        double[][] a = {unit(1, 0.2), unit(-0.3, 1), unit(1, 1)};
        int[] aCls = {1, 2, 5};   // anchor 2 has no positive: left out of the mean
        int[] aImg = {0, 1, 1};
        double[][] p = {unit(0.9, 0.1), unit(0.5, 0.6), unit(-1, 0.1), unit(0.1, 1), unit(0.7, -0.7), unit(1, 0.3)};
        int[] pCls = {1, 1, 0, 2, 0, 1};
        int[] pImg = {0, 0, 0, 1, 1, 1};
        double expected = 0;
        int counted = 0;
        for (int i = 0; i < a.length; i++) {
            double negSum = 0;
            int np = 0;
            for (int j = 0; j < p.length; j++) {
                if ((acrossBatch || pImg[j] == aImg[i]) && pCls[j] != aCls[i]) {
                    negSum += Math.exp(dot(a[i], p[j]) / tau);
                }
            }
            double l = 0;
            for (int j = 0; j < p.length; j++) {
                if ((acrossBatch || pImg[j] == aImg[i]) && pCls[j] == aCls[i]) {
                    double e = Math.exp(dot(a[i], p[j]) / tau);
                    l += -Math.log(e / (e + negSum));
                    np++;
                }
            }
            if (np > 0) {
                expected += l / np;
                counted++;
            }
        }
        expected /= counted;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray an = m.create(a).toType(DataType.FLOAT64, false);
            NDArray pn = m.create(p).toType(DataType.FLOAT64, false);
            double got = PromptContrastiveLearning.infoNce(an, pn, aCls, aImg, pCls, pImg, tau, acrossBatch)
                    .getDouble();
            assertEquals(expected, got, 1e-9);
        }
    }

    @Test
    void anchorsAreMaskedAveragePoolsUnderTheMeanBinarisedSaliency() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {2, -1, 0, 3, /* k1 */ -2, -2, -2, 1};
            float[] ua = {1, 2, 3, 4, /* channel 1 */ 10, 20, 30, 40};
            NDArray[] out = PromptContrastiveLearning.anchorFeatures(m.create(logits, new Shape(1, 2, 2, 2)),
                    m.create(ua, new Shape(1, 2, 2, 2)));
            float[] f = out[0].toFloatArray();
            for (int k = 0; k < 2; k++) {
                double mean = 0;
                for (int i = 0; i < 4; i++) {
                    mean += AudioConditionalPromptingTest.sig(logits[k * 4 + i]) / 4;
                }
                double[] sum = new double[2];
                int cnt = 0;
                for (int i = 0; i < 4; i++) {
                    if (AudioConditionalPromptingTest.sig(logits[k * 4 + i]) > mean) {
                        sum[0] += ua[i];
                        sum[1] += ua[4 + i];
                        cnt++;
                    }
                }
                assertEquals(cnt, out[1].toFloatArray()[k]);
                assertEquals(sum[0] / cnt, f[k * 2], 1e-5);
                assertEquals(sum[1] / cnt, f[k * 2 + 1], 1e-5);
            }
            // u_a at a coarser resolution is brought to the saliency's: a constant map stays constant
            NDArray[] coarse = PromptContrastiveLearning.anchorFeatures(m.create(logits, new Shape(1, 2, 2, 2)),
                    m.create(new float[] {5, 7}, new Shape(1, 2, 1, 1)));
            assertArrayEquals(new float[] {5, 7, 5, 7}, coarse[0].toFloatArray(), 1e-6f);
        }
    }

    /** Eq. 7 the direct way: u_a resized up to the saliency's T x F (engine interpolation), then pooled. */
    static NDArray pooledByInterpolation(NDArray logits, NDArray ua) {
        Shape ms = logits.getShape();
        long b = ms.get(0), k = ms.get(1), t = ms.get(2), f = ms.get(3), da = ua.getShape().get(1);
        NDArray up = ua.getNDArrayInternal().interpolation(new long[] {t, f}, 1, false);
        NDArray flat = ai.djl.nn.Activation.sigmoid(logits).reshape(b, k, t * f);
        NDArray bin = flat.gt(flat.mean(new int[] {2}, true)).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        NDArray sum = bin.matMul(up.reshape(b, da, t * f).transpose(0, 2, 1));
        return sum.div(bin.sum(new int[] {2}, true).maximum(1f));
    }

    @Test
    void poolingOnTheCoarseGridEqualsPoolingTheResizedMap() {
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(9);
            Shape ls = new Shape(2, 3, 13, 21);
            Shape us = new Shape(2, 4, 3, 5);
            float[] logits = new float[(int) ls.size()];
            float[] ua = new float[(int) us.size()];
            float[] w = new float[2 * 3 * 4];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) r.nextDouble(-3, 3);
            }
            for (int i = 0; i < ua.length; i++) {
                ua[i] = (float) r.nextDouble(-1, 1);
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextDouble(-1, 1);
            }
            float[][] val = new float[2][];
            float[][] grad = new float[2][];
            for (int v = 0; v < 2; v++) {
                NDArray u = m.create(ua, us);
                u.setRequiresGradient(true);
                try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    NDArray pooled = v == 0 ? PromptContrastiveLearning.anchorFeatures(m.create(logits, ls), u)[0]
                            : pooledByInterpolation(m.create(logits, ls), u);
                    val[v] = pooled.toFloatArray();
                    gc.backward(pooled.mul(m.create(w, pooled.getShape())).sum());
                }
                grad[v] = u.getGradient().toFloatArray();
            }
            assertArrayEquals(val[1], val[0], 1e-5f);
            assertArrayEquals(grad[1], grad[0], 1e-5f);
        }
    }

    @Test
    void pixelSamplingIsBoundedPerClassAndSeeded() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptContrastiveLearning pcl = new PromptContrastiveLearning(new Weights(m.newSubManager(), 1), 2, 2, 2,
                    0.1, 2, 5);
            long[] labels = {0, 0, 0, 1, 1, 2, 255, 0, /* image 1 */ 3, 3, 3, 3, 0, 0, 0, 0};
            int[][] s = pcl.samplePixels(labels, 2, 8, 4);
            int[] perKey = new int[2 * 256];
            for (int i = 0; i < s[0].length; i++) {
                int img = s[2][i];
                assertEquals(img, s[0][i] / 8);
                assertEquals(labels[s[0][i]], s[1][i], "label of the sampled pixel");
                perKey[img * 256 + s[1][i]]++;
            }
            assertEquals(2, perKey[0]);
            assertEquals(2, perKey[1]);
            assertEquals(1, perKey[2]);
            assertEquals(0, perKey[255], "ignore label never sampled");
            assertEquals(2, perKey[256 + 3]);
            assertEquals(2, perKey[256]);
            assertEquals(9, s[0].length);
            assertArrayEquals(s[0], pcl.samplePixels(labels, 2, 8, 4)[0]);
        }
    }

    @Test
    void lossIsFiniteSeededAndTrainsHeadsAndFeatures() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(m.newSubManager(), 3);
            PromptContrastiveLearning pcl = new PromptContrastiveLearning(w, 6, 5, 4, 0.1, 8, 11);
            SplittableRandom r = new SplittableRandom(2);
            NDArray logits = rand(m, r, new Shape(2, 2, 8, 8));
            NDArray ua = rand(m, r, new Shape(2, 6, 4, 4));
            NDArray px = rand(m, r, new Shape(2, 5, 6, 6));
            long[] lab = new long[2 * 36];
            for (int i = 0; i < lab.length; i++) {
                lab[i] = (i % 6) < 3 ? 0 : ((i / 36) == 0 ? 2 : 4);
            }
            NDArray labels = m.create(lab, new Shape(2, 6, 6));
            int[][] cls = {{2, -1}, {4, 1}};
            NDArray valid = m.create(new float[] {1, 0, 1, 1}, new Shape(2, 2));
            ua.setRequiresGradient(true);
            px.setRequiresGradient(true);
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = pcl.loss(logits, ua, px, labels, cls, valid, 3);
                loss = l.getFloat();
                gc.backward(l);
            }
            assertTrue(Double.isFinite(loss) && loss > 0);
            assertTrue(ua.getGradient().abs().sum().getFloat() > 0);
            assertTrue(px.getGradient().abs().sum().getFloat() > 0);
            for (NDArray p : w.trainable().values()) {
                assertTrue(p.getGradient().abs().sum().getFloat() > 0, p.getName());
            }
            assertEquals(loss, pcl.loss(logits, ua, px, labels, cls, valid, 3).getFloat(), 1e-7);
            assertThrows(IllegalArgumentException.class,
                    () -> pcl.loss(logits, ua, px, labels.reshape(2, 36), cls, valid, 3));
        }
    }

    static NDArray rand(NDManager m, SplittableRandom r, Shape s) {
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return m.create(v, s);
    }
}
