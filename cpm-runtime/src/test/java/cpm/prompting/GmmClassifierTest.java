package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GmmClassifierTest {

    @Test
    void softmaxOfLogitsIsTheBayesPosteriorOfEq1() {
        GaussianMixture g = GaussianMixtureTest.randomMixture(4, 2, 3, "diagonal", 3);
        GmmClassifier cls = new GmmClassifier(g, 2.0);
        assertEquals(3, cls.numClasses());
        float[] v = {0.3f, -1.2f, 0.5f, 2f, 0f, 0.1f, -0.4f, 0.4f, 0.4f, 1f, 1f, -1f};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = m.create(v, new Shape(2, 2, 3));
            NDArray logits = cls.logits(m.zeros(new Shape(2, 2, 8)), e);
            assertEquals(new Shape(2, 2, 4), logits.getShape());
            float[] l = logits.toFloatArray();
            float[] post = logits.mul(2.0).softmax(-1).toFloatArray(); // temperature 1: the posterior
            for (int q = 0; q < 4; q++) {
                double n = Math.sqrt(v[q * 3] * v[q * 3] + v[q * 3 + 1] * v[q * 3 + 1] + v[q * 3 + 2] * v[q * 3 + 2]);
                double[] x = {v[q * 3] / n, v[q * 3 + 1] / n, v[q * 3 + 2] / n};
                double[] ll = new double[4];
                double z = 0;
                for (int c = 0; c < 4; c++) {
                    ll[c] = GaussianMixtureTest.logMixture(g, c, x);
                    assertEquals(ll[c] / 2.0, l[q * 4 + c], 1e-4 * (1 + Math.abs(ll[c])));
                }
                double max = java.util.Arrays.stream(ll).max().getAsDouble();
                for (double a : ll) {
                    z += Math.exp(a - max);
                }
                for (int c = 0; c < 4; c++) {
                    // p(c|q) = p(q|c) p(c) / sum_c' p(q|c') p(c') with uniform p(c)
                    assertEquals(Math.exp(ll[c] - max) / z, post[q * 4 + c], 1e-4);
                }
            }
        }
    }

    @Test
    void gradientFlowsToTheMaskEmbeddings() {
        GaussianMixture g = GaussianMixtureTest.randomMixture(3, 2, 3, "full", 8);
        GmmClassifier cls = new GmmClassifier(g, 0.5);
        double[] v = {0.3, -1.2, 0.5, 2, 0.1, 0.1};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = m.create(v, new Shape(1, 2, 3));
            e.setRequiresGradient(true);
            double[] grad;
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray l = cls.logits(null, e).logSoftmax(-1).get(":, :, 1").sum();
                gc.backward(l);
                grad = e.getGradient().toDoubleArray();
            }
            double h = 1e-6;
            for (int i = 0; i < v.length; i++) {
                double[] p = v.clone();
                double[] q = v.clone();
                p[i] += h;
                q[i] -= h;
                double fp = cls.logits(null, m.create(p, new Shape(1, 2, 3))).logSoftmax(-1).get(":, :, 1").sum()
                        .getDouble();
                double fq = cls.logits(null, m.create(q, new Shape(1, 2, 3))).logSoftmax(-1).get(":, :, 1").sum()
                        .getDouble();
                assertEquals((fp - fq) / (2 * h), grad[i], 1e-5 * (1 + Math.abs(grad[i])), "dL/de[" + i + "]");
            }
        }
    }
}
