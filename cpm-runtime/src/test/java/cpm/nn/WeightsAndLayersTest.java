package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class WeightsAndLayersTest {

    @Test
    void initDependsOnNameAndSeedNotOnOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights a = new Weights(m.newSubManager(), 7);
            NDArray a1 = a.child("x").param("w", new Shape(4, 3), Init.normal(1));
            a.child("y").param("w", new Shape(4, 3), Init.normal(1));
            Weights b = new Weights(m.newSubManager(), 7);
            b.child("y").param("w", new Shape(4, 3), Init.normal(1));
            NDArray b1 = b.child("x").param("w", new Shape(4, 3), Init.normal(1));
            assertArrayEquals(a1.toFloatArray(), b1.toFloatArray());
            Weights c = new Weights(m.newSubManager(), 8);
            NDArray c1 = c.child("x").param("w", new Shape(4, 3), Init.normal(1));
            assertFalse(java.util.Arrays.equals(a1.toFloatArray(), c1.toFloatArray()));
            assertEquals(24, a.parameterCount());
            a.freeze("x.");
            assertEquals(12, a.parameterCount());
        }
    }

    @Test
    void groupNormMatchesDoubleReference() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = new float[2 * 4 * 3 * 3];
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble(-2, 3);
            }
            NDArray in = m.create(x, new Shape(2, 4, 3, 3));
            NDArray out = Norm.groupNorm(in, 2, m.ones(new Shape(4)), m.zeros(new Shape(4)), 1e-5f);
            float[] o = out.toFloatArray();
            for (int n = 0; n < 2; n++) {
                for (int g = 0; g < 2; g++) {
                    int start = n * 36 + g * 18;
                    double mean = 0;
                    for (int i = 0; i < 18; i++) {
                        mean += x[start + i];
                    }
                    mean /= 18;
                    double var = 0;
                    for (int i = 0; i < 18; i++) {
                        var += (x[start + i] - mean) * (x[start + i] - mean);
                    }
                    var /= 18;
                    for (int i = 0; i < 18; i++) {
                        assertEquals((x[start + i] - mean) / Math.sqrt(var + 1e-5), o[start + i], 1e-4);
                    }
                }
            }
        }
    }

    /** The group norm written from primitives (the toolkit's earlier form): the reference for values and gradients. */
    static NDArray groupNormPrimitives(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
        Shape s = x.getShape();
        NDArray g = x.reshape(s.get(0), groups, -1);
        NDArray centred = g.sub(g.mean(new int[] {2}, true));
        NDArray var = centred.square().mean(new int[] {2}, true);
        NDArray normed = centred.div(var.add(eps).sqrt()).reshape(s);
        Shape b = new Shape(1, s.get(1), 1, 1);
        return normed.mul(gamma.reshape(b)).add(beta.reshape(b));
    }

    @Test
    void groupNormGradientsMatchPrimitiveForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(5);
            float[] xs = new float[2 * 8 * 5 * 4];
            float[] ws = new float[xs.length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) r.nextDouble(-2, 3);
                ws[i] = (float) r.nextDouble(-1, 1);
            }
            float[][] grads = new float[2][];
            float[][] outs = new float[2][];
            float[][] gg = new float[2][];
            for (int v = 0; v < 2; v++) {
                NDArray x = m.create(xs, new Shape(2, 8, 5, 4));
                NDArray gamma = m.create(new float[] {1, 2, 0.5f, -1, 1.5f, 0.3f, 1, 2});
                NDArray beta = m.create(new float[] {0, 1, -1, 0.5f, 0, 0, 2, -2});
                x.setRequiresGradient(true);
                gamma.setRequiresGradient(true);
                try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    NDArray y = v == 0 ? Norm.groupNorm(x, 4, gamma, beta, 1e-5f)
                            : groupNormPrimitives(x, 4, gamma, beta, 1e-5f);
                    outs[v] = y.toFloatArray();
                    gc.backward(y.mul(m.create(ws, y.getShape())).sum());
                }
                grads[v] = x.getGradient().toFloatArray();
                gg[v] = gamma.getGradient().toFloatArray();
            }
            for (int i = 0; i < xs.length; i++) {
                assertEquals(outs[1][i], outs[0][i], 1e-5);
                assertEquals(grads[1][i], grads[0][i], 1e-4);
            }
            for (int i = 0; i < 8; i++) {
                assertEquals(gg[1][i], gg[0][i], 1e-4);
            }
        }
    }

    @Test
    void fullyMaskedAttentionRowsStayFinite() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(m.newSubManager(), 3);
            MultiHeadAttention att = new MultiHeadAttention(w, 8, 2);
            NDArray q = m.randomNormal(new Shape(1, 2, 8));
            NDArray kv = m.randomNormal(new Shape(1, 3, 8));
            boolean[] mask = {true, true, true, false, true, false};
            NDArray mk = m.create(mask, new Shape(1, 2, 3));
            NDArray out = att.forward(q, kv, kv, mk);
            for (float f : out.toFloatArray()) {
                assertTrue(Float.isFinite(f));
            }
            // the fully masked row attends uniformly: equal to the unmasked result for that row
            NDArray free = att.forward(q, kv, kv, null);
            assertArrayEquals(free.get("0, 0").toFloatArray(), out.get("0, 0").toFloatArray(), 1e-5f);
            assertEquals(DataType.FLOAT32, out.getDataType());
        }
    }
}
