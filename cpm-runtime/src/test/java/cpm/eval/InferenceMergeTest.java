package cpm.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InferenceMergeTest {

    static NDManager mgr;

    @BeforeAll
    static void init() {
        mgr = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        mgr.close();
    }

    /** PyTorch bilinear upsampling (align_corners=false) of one h x w map, in doubles. */
    static double bilinear(float[] m, int off, int h, int w, int oh, int ow, int y, int x) {
        double sy = Math.max(0, (y + 0.5) * h / oh - 0.5);
        double sx = Math.max(0, (x + 0.5) * w / ow - 0.5);
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        int y1 = Math.min(y0 + 1, h - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double ly = sy - y0;
        double lx = sx - x0;
        return (1 - ly) * ((1 - lx) * m[off + y0 * w + x0] + lx * m[off + y0 * w + x1])
                + ly * ((1 - lx) * m[off + y1 * w + x0] + lx * m[off + y1 * w + x1]);
    }

    @Test
    void mergeMatchesPerPixelReference() {
        SplittableRandom rnd = new SplittableRandom(4);
        int b = 3;
        int n = 5;
        int c = 3;          // classes; index c = no-object
        int h = 2;
        int w = 3;
        int oh = 5;
        int ow = 4;
        float[] probs = new float[b * n * (c + 1)];
        for (int i = 0; i < b * n; i++) {
            double z = 0;
            double[] e = new double[c + 1];
            for (int k = 0; k <= c; k++) {
                e[k] = Math.exp(rnd.nextDouble() * 4);
                z += e[k];
            }
            for (int k = 0; k <= c; k++) {
                probs[i * (c + 1) + k] = (float) (e[k] / z);
            }
        }
        // image 2: every query predicts no-object -> background, foreground 0
        for (int q = 0; q < n; q++) {
            for (int k = 0; k <= c; k++) {
                probs[(2 * n + q) * (c + 1) + k] = k == c ? 0.7f : 0.1f;
            }
        }
        float[] logits = new float[b * n * h * w];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rnd.nextDouble() * 8 - 4);
        }
        InferenceMerge.Merged m = InferenceMerge.merge(mgr.create(probs, new Shape(b, n, c + 1)),
                mgr.create(logits, new Shape(b, n, h, w)), oh, ow);
        long[] labels = m.labels().toLongArray();
        float[] fg = m.foreground().toFloatArray();
        for (int bb = 0; bb < b; bb++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    double best = -1;
                    int label = 0;
                    double f = 0;
                    double g = 0;
                    for (int q = 0; q < n; q++) {
                        int row = bb * n + q;
                        int top = 0;
                        for (int k = 1; k <= c; k++) {
                            if (probs[row * (c + 1) + k] > probs[row * (c + 1) + top]) {
                                top = k;
                            }
                        }
                        if (top == c) {
                            continue;
                        }
                        double v = probs[row * (c + 1) + top]
                                / (1 + Math.exp(-bilinear(logits, row * h * w, h, w, oh, ow, y, x)));
                        if (v > best) {
                            best = v;
                            label = top;
                        }
                        if (top == 0) {
                            g = Math.max(g, v);
                        } else {
                            f = Math.max(f, v);
                        }
                    }
                    int p = (bb * oh + y) * ow + x;
                    assertEquals(label, labels[p], "label at " + bb + "," + y + "," + x);
                    assertEquals(f + g > 0 ? f / (f + g) : 0, fg[p], 1e-5);
                    assertEquals(label != 0, fg[p] > 0.5, "foreground > 0.5 exactly where the label is not background");
                }
            }
        }
    }

    /**
     * The CPU path (one pass in Java) and the engine path (the GPU's) give the same labels and the same
     * foreground floats, also where queries tie (equal logits and scores: the first query wins), where every
     * query is no-object, and where only background queries are kept.
     */
    @Test
    void hostAndEngineMergesAgreeExactly() {
        SplittableRandom rnd = new SplittableRandom(11);
        int b = 4;
        int n = 6;
        int c = 4;
        int h = 3;
        int w = 5;
        float[] probs = new float[b * n * (c + 1)];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = (float) rnd.nextDouble();
        }
        for (int q = 0; q < n; q++) {
            probs[(n + q) * (c + 1) + c] = 2f;                  // image 1: every query no-object
            probs[(2 * n + q) * (c + 1)] = 2f;                  // image 2: every query background
        }
        float[] logits = new float[b * n * h * w];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rnd.nextDouble() * 8 - 4);
        }
        for (int q = 0; q < n; q++) {       // image 3: all queries tie on their scores, with different classes
            System.arraycopy(logits, 3 * n * h * w, logits, (3 * n + q) * h * w, h * w);
            for (int k = 0; k <= c; k++) {
                probs[(3 * n + q) * (c + 1) + k] = k == (q + 1) % c ? 0.9f : 0.1f;
            }
        }
        var p = mgr.create(probs, new Shape(b, n, c + 1));
        var l = mgr.create(logits, new Shape(b, n, h, w));
        for (int[] size : new int[][] {{h, w}, {7, 9}}) {
            InferenceMerge.Merged host = InferenceMerge.onHost(p, l, size[0], size[1]);
            InferenceMerge.Merged engine = InferenceMerge.onEngine(p, l, size[0], size[1]);
            assertEquals(engine.labels().getShape(), host.labels().getShape());
            org.junit.jupiter.api.Assertions.assertArrayEquals(engine.labels().toLongArray(),
                    host.labels().toLongArray());
            org.junit.jupiter.api.Assertions.assertArrayEquals(engine.foreground().toFloatArray(),
                    host.foreground().toFloatArray());
        }
        long[] labels = InferenceMerge.onHost(p, l, h, w).labels().toLongArray();
        for (int px = 0; px < h * w; px++) {
            assertEquals(0, labels[h * w + px], "no kept query: background");
            assertEquals(1, labels[3 * h * w + px], "a tie goes to the first query");
        }
    }
}
