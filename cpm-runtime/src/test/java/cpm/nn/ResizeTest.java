package cpm.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Resize against a float64 brute force of F.interpolate(bilinear, align_corners=False), values and gradients. */
class ResizeTest {

    private static double[] resize(double[] x, int c, int h, int w, int oh, int ow) {
        double[] y = new double[c * oh * ow];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < oh; i++) {
                double sy = Math.max(0, (i + 0.5) * h / oh - 0.5);
                int y0 = (int) Math.floor(sy);
                int y1 = Math.min(y0 + 1, h - 1);
                double ly = sy - y0;
                for (int j = 0; j < ow; j++) {
                    double sx = Math.max(0, (j + 0.5) * w / ow - 0.5);
                    int x0 = (int) Math.floor(sx);
                    int x1 = Math.min(x0 + 1, w - 1);
                    double lx = sx - x0;
                    y[(k * oh + i) * ow + j] = (1 - ly) * ((1 - lx) * x[(k * h + y0) * w + x0] + lx * x[(k * h + y0) * w + x1])
                            + ly * ((1 - lx) * x[(k * h + y1) * w + x0] + lx * x[(k * h + y1) * w + x1]);
                }
            }
        }
        return y;
    }

    @Test
    void matchesTheDefinitionUpDownAndMixedWithGradients() {
        SplittableRandom r = new SplittableRandom(5);
        int b = 2, c = 3, h = 13, w = 17;
        float[] x = new float[b * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] size : new int[][] {{32, 40}, {7, 5}, {13, 40}, {4, 17}, {20, 9}, {1, 1}}) {
                int oh = size[0], ow = size[1];
                double[] ref = resize(xd, b * c, h, w, oh, ow);
                float[] wt = new float[ref.length];
                for (int i = 0; i < wt.length; i++) {
                    wt[i] = (float) r.nextDouble(-1, 1);
                }
                NDArray in = m.create(x, new Shape(b, c, h, w));
                in.setRequiresGradient(true);
                float[] got;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = Resize.bilinear(in, oh, ow);
                    got = y.toFloatArray();
                    gc.backward(y.mul(m.create(wt, y.getShape())).sum());
                }
                assertArrayEquals(toFloat(ref), got, 1e-5f, Arrays.toString(size));
                // resize is linear: the gradient of sum(wt * resize(x)) at x_i is resize(e_i) . wt
                float[] grad = in.getGradient().toFloatArray();
                for (int i = 0; i < x.length; i += 7) {
                    double[] e = new double[x.length];
                    e[i] = 1;
                    double[] re = resize(e, b * c, h, w, oh, ow);
                    double g = 0;
                    for (int j = 0; j < re.length; j++) {
                        g += re[j] * wt[j];
                    }
                    assertEquals(g, grad[i], 1e-5, "grad " + i + " " + Arrays.toString(size));
                }
            }
        }
    }

    @Test
    void shrinkingIsPlainBilinearNotAntialiased() {
        try (NDManager m = NDManager.newBaseManager()) {
            // torch: F.interpolate(arange(16).view(1,1,4,4), size=(2,2), mode="bilinear") = [2.5, 4.5, 10.5, 12.5]
            // (with antialias=True it would be [3.571, 5.143, 9.857, 11.429])
            float[] got = Resize.bilinear(m.arange(16f).reshape(1, 1, 4, 4), 2, 2).toFloatArray();
            assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, got, 1e-6f);
            NDArray same = m.ones(new Shape(1, 2, 3, 3));
            assertSame(same, Resize.bilinear(same, 3, 3));
        }
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
