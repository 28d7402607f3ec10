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
