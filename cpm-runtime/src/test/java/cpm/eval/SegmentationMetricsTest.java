package cpm.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SegmentationMetricsTest {

    static double f(double p, double r) {
        double v = 1.3 * p * r / (0.3 * p + r);
        return Double.isNaN(v) ? 0 : v;
    }

    @Test
    void perDatasetHandCase() {
        SegmentationMetrics m = new SegmentationMetrics(List.of("bg", "a", "b", "never"), "per-dataset", 0.3);
        m.add(new int[]{0, 1, 2, 2}, null, new int[]{0, 1, 1, 2}, 2, 2);
        m.add(new int[]{0, 1, 0, 0}, null, new int[]{0, 0, 0, 0}, 2, 2);
        // counted by hand: bg TP 4 FP 0 FN 1; a TP 1 FP 1 FN 1; b TP 1 FP 1 FN 0; "never" absent
        double[] iou = {4.0 / 5, 1.0 / 3, 1.0 / 2};
        double[] fb = {f(1, 0.8), f(0.5, 0.5), f(0.5, 1)};
        List<SegmentationMetrics.ClassScore> pc = m.perClass();
        for (int k = 0; k < 3; k++) {
            assertEquals(iou[k], pc.get(k).iou(), 1e-12);
            assertEquals(fb[k], pc.get(k).fbeta(), 1e-12);
        }
        assertEquals(List.of(5L, 2L, 1L, 0L), pc.stream().map(SegmentationMetrics.ClassScore::pixels).toList());
        assertTrue(Double.isNaN(pc.get(3).iou()));
        assertEquals((iou[0] + iou[1] + iou[2]) / 3, m.miou(), 1e-12);
        assertEquals((fb[0] + fb[1] + fb[2]) / 3, m.fbeta(), 1e-12);
        assertEquals(2, m.images());
        assertEquals("per-dataset", m.protocol());
        assertEquals("per-class (per-dataset)", m.table().name());
        assertEquals(iou[1], m.table().doubleColumn("iou").get(1), 1e-12);
    }

    @Test
    void perImageHandCase() {
        SegmentationMetrics m = new SegmentationMetrics(List.of("bg", "sounding"), "per-image", 0.3);
        m.add(new int[]{0, 1, 0, 1}, new float[]{0.1f, 0.9f, 0.4f, 0.6f}, new int[]{0, 1, 1, 0}, 2, 2);
        m.add(new int[]{0, 1, 0, 0}, new float[]{0f, 0.7f, 0f, 0f}, new int[]{0, 0, 0, 0}, 2, 2);
        // IoU 1/3, and 3/4 for the empty ground truth (both background on 3 of 4 pixels)
        assertEquals((1.0 / 3 + 3.0 / 4) / 2, m.miou(), 1e-12);
        // F curve of frame 1 only: best at thresholds in (0.6, 0.9]: P = 1, R = 1/2
        assertEquals(f(1, 0.5), m.fbeta(), 1e-12);
        double[] curve = m.fbetaCurve();
        assertEquals(f(0.5, 1), curve[0], 1e-12);                 // threshold 0: everything foreground
        assertEquals(0, curve[254], 1e-12);                      // threshold ~1: nothing
    }

    @Test
    void curveEqualsDirectThresholdingOnRandomFrames() {
        SplittableRandom rnd = new SplittableRandom(2);
        SegmentationMetrics m = new SegmentationMetrics(List.of("bg", "fg"), "per-image", 0.3);
        double[] sum = new double[255];
        int frames = 6;
        for (int fr = 0; fr < frames; fr++) {
            int n = 300;
            int[] gt = new int[n];
            float[] prob = new float[n];
            int[] pred = new int[n];
            for (int i = 0; i < n; i++) {
                gt[i] = rnd.nextInt(3) == 0 ? 1 : 0;
                // include values exactly on thresholds and the ends
                prob[i] = rnd.nextInt(4) == 0 ? (float) (rnd.nextInt(255) / 254.0) : (float) rnd.nextDouble();
                pred[i] = prob[i] > 0.5 ? 1 : 0;
            }
            gt[0] = 1;
            m.add(pred, prob, gt, 15, 20);
            for (int k = 0; k < 255; k++) {
                // torch.linspace(0, 1 - 1e-10, 255) in float32: 1 - 1e-10 rounds to 1f, the step is 1f / 254f,
                // the first 127 values count up from 0 and the others down from the end
                float step = 1f / 254f;
                float t = k < 127 ? step * k : 1f - step * (254 - k);
                long tp = 0;
                long pp = 0;
                long g = 0;
                for (int i = 0; i < n; i++) {
                    boolean p = prob[i] >= t;
                    tp += p && gt[i] == 1 ? 1 : 0;
                    pp += p ? 1 : 0;
                    g += gt[i];
                }
                sum[k] += f(pp == 0 ? 0 : (double) tp / pp, (double) tp / g);
            }
        }
        double best = 0;
        double[] curve = m.fbetaCurve();
        for (int k = 0; k < 255; k++) {
            assertEquals(sum[k] / frames, curve[k], 1e-12, "threshold " + k);
            best = Math.max(best, sum[k] / frames);
        }
        assertEquals(best, m.fbeta(), 1e-12);
    }

    @Test
    void emptyMasks() {
        SegmentationMetrics d = new SegmentationMetrics(List.of("bg", "a"), "per-dataset", 0.3);
        d.add(new int[]{0, 0, 0}, null, new int[]{0, 0, 0}, 1, 3);
        assertEquals(1.0, d.miou(), 1e-12);
        assertEquals(1.0, d.fbeta(), 1e-12);
        assertTrue(Double.isNaN(d.perClass().get(1).iou()));
        SegmentationMetrics p = new SegmentationMetrics(List.of("bg", "a"), "per-image", 0.3);
        p.add(new int[]{0, 0, 0}, new float[3], new int[]{0, 0, 0}, 1, 3);
        assertEquals(1.0, p.miou(), 1e-12);
        assertTrue(Double.isNaN(p.fbeta()), "no frame with a non-empty ground truth");
        // non-empty ground truth, empty prediction: IoU 0, F 0
        p.add(new int[]{0, 0, 0}, new float[3], new int[]{0, 1, 0}, 1, 3);
        assertEquals(0.5, p.miou(), 1e-12);
        assertEquals(f(1.0 / 3, 1), p.fbeta(), 1e-12);   // threshold 0 predicts every pixel
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentationMetrics(List.of("bg", "a"), "per-pixel", 0.3));
        assertThrows(IllegalArgumentException.class, () -> d.add(new int[]{0, 2, 0}, null, new int[3], 1, 3));
    }

    @Test
    void batchOneAndBatchEightGiveEqualNumbers() {
        SplittableRandom rnd = new SplittableRandom(6);
        int b = 8;
        int n = 4;
        int c = 3;
        int h = 3;
        int w = 3;
        int oh = 6;
        int ow = 5;
        float[] probs = new float[b * n * (c + 1)];
        float[] logits = new float[b * n * h * w];
        int[] gt = new int[b * oh * ow];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = (float) rnd.nextDouble();
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rnd.nextDouble() * 6 - 3);
        }
        for (int i = 0; i < gt.length; i++) {
            gt[i] = i < oh * ow ? 0 : rnd.nextInt(c);   // frame 0 has an empty ground truth
        }
        List<String> names = List.of("bg", "a", "b");
        for (String protocol : new String[]{"per-dataset", "per-image"}) {
            SegmentationMetrics all = new SegmentationMetrics(names, protocol, 0.3);
            SegmentationMetrics one = new SegmentationMetrics(names, protocol, 0.3);
            try (NDManager mgr = NDManager.newBaseManager()) {
                evaluate(mgr, all, probs, logits, gt, 0, b, n, c, h, w, oh, ow);
                for (int i = 0; i < b; i++) {
                    evaluate(mgr, one, probs, logits, gt, i, 1, n, c, h, w, oh, ow);
                }
            }
            assertEquals(8, one.images());
            assertEquals(all.miou(), one.miou(), 0.0, protocol);
            assertEquals(all.fbeta(), one.fbeta(), 0.0, protocol);
            assertEquals(all.perClass(), one.perClass(), protocol);
            // the NDArray entry point gives the same numbers
            SegmentationMetrics viaArrays = new SegmentationMetrics(names, protocol, 0.3);
            try (NDManager mgr = NDManager.newBaseManager()) {
                InferenceMerge.Merged merged = InferenceMerge.merge(
                        mgr.create(probs, new Shape(b, n, c + 1)).softmax(2), mgr.create(logits, new Shape(b, n, h, w)),
                        oh, ow);
                viaArrays.addBatch(merged.labels(), merged.foreground(), mgr.create(gt, new Shape(b, oh, ow)));
            }
            assertEquals(all.miou(), viaArrays.miou(), 0.0, protocol);
            assertEquals(all.fbeta(), viaArrays.fbeta(), 0.0, protocol);
        }
    }

    private static void evaluate(NDManager mgr, SegmentationMetrics m, float[] probs, float[] logits, int[] gt,
                                 int from, int count, int n, int c, int h, int w, int oh, int ow) {
        float[] p = java.util.Arrays.copyOfRange(probs, from * n * (c + 1), (from + count) * n * (c + 1));
        float[] l = java.util.Arrays.copyOfRange(logits, from * n * h * w, (from + count) * n * h * w);
        InferenceMerge.Merged merged = InferenceMerge.merge(mgr.create(p, new Shape(count, n, c + 1)).softmax(2),
                mgr.create(l, new Shape(count, n, h, w)), oh, ow);
        long[] labels = merged.labels().toLongArray();
        float[] fg = merged.foreground().toFloatArray();
        int hw = oh * ow;
        for (int i = 0; i < count; i++) {
            int[] pred = new int[hw];
            for (int k = 0; k < hw; k++) {
                pred[k] = (int) labels[i * hw + k];
            }
            m.add(pred, java.util.Arrays.copyOfRange(fg, i * hw, (i + 1) * hw),
                    java.util.Arrays.copyOfRange(gt, (from + i) * hw, (from + i + 1) * hw), oh, ow);
        }
    }
}
