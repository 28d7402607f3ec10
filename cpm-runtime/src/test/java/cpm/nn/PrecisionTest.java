package cpm.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * run.precision bf16: forward and backward of the layers that compute in bfloat16 stay within bfloat16's
 * precision of float32 (8 mantissa bits: ~4e-3 per rounding, ~1e-2 through a layer), the master weights and their
 * gradients stay float32, and fp32 gives the float32 result bit for bit.
 */
class PrecisionTest {

    /** Output, input gradient and every parameter gradient of {@code layer} under {@code precision}. */
    private static Map<String, float[]> run(String precision, BiFunction<Weights, NDArray, NDArray> layer,
                                            Shape in, NDManager m) {
        Weights w = new Weights(m.newSubManager(), 11);
        NDArray x = m.create(random(new SplittableRandom(3), in.size()), in);
        x.setRequiresGradient(true);
        boolean grad = JniUtils.isGradMode();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Precision.Scope s = Precision.use(precision);
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = layer.apply(w, x);
            assertEquals(DataType.FLOAT32, y.getDataType(), "the layer's output is float32 under " + precision);
            NDArray probe = m.create(random(new SplittableRandom(5), y.size()), y.getShape());
            gc.backward(y.mul(probe).sum());
            out.put("output", y.toFloatArray());
        } finally {
            JniUtils.setGradMode(grad);
        }
        out.put("input grad", x.getGradient().toFloatArray());
        for (Map.Entry<String, NDArray> e : w.trainable().entrySet()) {
            NDArray p = e.getValue();
            assertEquals(DataType.FLOAT32, p.getDataType(), e.getKey() + " (master weight) stays float32");
            assertEquals(DataType.FLOAT32, p.getGradient().getDataType(), e.getKey() + " gradient is float32");
            out.put(e.getKey() + " grad", p.getGradient().toFloatArray());
        }
        return out;
    }

    private static float[] random(SplittableRandom r, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static double relativeError(float[] a, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - (double) ref[i]) * (a[i] - (double) ref[i]);
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static void check(BiFunction<Weights, NDArray, NDArray> layer, Shape in) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Map<String, float[]> fp32 = run("fp32", layer, in, m);
            Map<String, float[]> again = run("fp32", layer, in, m);
            Map<String, float[]> bf16 = run("bf16", layer, in, m);
            assertEquals(fp32.keySet(), bf16.keySet());
            for (String k : fp32.keySet()) {
                assertArrayEquals(fp32.get(k), again.get(k), k + ": fp32 repeats bit for bit");
                if (norm(fp32.get(k)) < 1e-4) {
                    // zero in exact arithmetic (the key bias: softmax ignores a shift shared by all keys), float32
                    // gives rounding noise: a relative error means nothing; bf16's noise must stay small against the
                    // layer's gradients (here the input's)
                    double scale = norm(fp32.get("input grad"));
                    assertTrue(norm(bf16.get(k)) < 2e-2 * scale, k + ": bf16 norm " + norm(bf16.get(k))
                            + ", expected below 2e-2 x the input gradient's " + scale);
                    continue;
                }
                double err = relativeError(bf16.get(k), fp32.get(k));
                assertTrue(err < 2e-2, k + ": bf16 relative error " + err + ", expected < 2e-2");
                if (k.equals("conv.bias grad") || k.equals("lin.bias grad")) {
                    // a layer's own bias is added in float32 after the op: its gradient (a sum of the probe) is exact
                    assertTrue(err < 1e-5, k + ": relative error " + err + ", expected float32 exactness");
                } else if (!k.endsWith("bias grad")) {
                    // bf16 really ran: rounding to 8 mantissa bits leaves an error far above float32's ~1e-7
                    assertTrue(err > 1e-4, k + ": bf16 relative error " + err + ", expected > 1e-4 (bf16 ran?)");
                }
            }
        }
    }

    @Test
    void convolutionBf16MatchesFloat32WithinTolerance() {
        // 16 channels: oneDNN's backward-data is wrong below a SIMD block of channels (GradientCheckTest)
        check((w, x) -> new Conv(w.child("conv"), 16, 16, 3, 1, true).forward(x), new Shape(2, 16, 8, 8));
        check((w, x) -> new Conv(w.child("conv"), 16, 32, 3, 2, false).forward(x), new Shape(2, 16, 8, 8));
    }

    @Test
    void linearAndAttentionBf16MatchFloat32WithinTolerance() {
        check((w, x) -> new Linear(w.child("lin"), 32, 24).forward(x), new Shape(4, 5, 32));
        check((w, x) -> new MultiHeadAttention(w.child("mha"), 32, 4).forward(x, x, x, null), new Shape(2, 6, 32));
    }

    @Test
    void scopeIsPerThreadAndRestored() throws InterruptedException {
        assertFalse(Precision.low());
        try (Precision.Scope a = Precision.use("bf16")) {
            assertTrue(Precision.low());
            try (Precision.Scope b = Precision.use("fp32")) {
                assertFalse(Precision.low());
            }
            assertTrue(Precision.low());
            boolean[] other = new boolean[1];
            Thread t = new Thread(() -> other[0] = Precision.low());
            t.start();
            t.join();
            assertFalse(other[0], "another thread keeps fp32");
        }
        assertFalse(Precision.low());
        assertThrows(IllegalArgumentException.class, () -> Precision.use("fp16"));
    }
}
