package cpm.eval;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The three protocols on one hand-computed example where they give three different mIoUs, and CAVP's "MS" subset on
 * frames built around its limits (more than 2 labels of more than 100 pixels each).
 */
class MetricProtocolsTest {

    private static final List<String> CLASSES = List.of("bg", "a", "b", "never");

    /*
     * Three 2x2 frames, pixels row-major; class "b" occurs only in frame 1, "never" nowhere:
     *   frame 1: gt [0,1,1,2]  pred [0,1,2,2]
     *   frame 2: gt [0,0,1,1]  pred [0,1,1,0]
     *   frame 3: gt [0,0,0,0]  pred [0,0,0,1]   (empty foreground ground truth)
     * The foreground probability is 0.9 where the prediction is not background, 0.1 elsewhere.
     */
    private static final int[][] GT = {{0, 1, 1, 2}, {0, 0, 1, 1}, {0, 0, 0, 0}};
    private static final int[][] PRED = {{0, 1, 2, 2}, {0, 1, 1, 0}, {0, 0, 0, 1}};

    private static SegmentationMetrics score(String protocol) {
        SegmentationMetrics m = new SegmentationMetrics(CLASSES, protocol, 0.3);
        for (int i = 0; i < GT.length; i++) {
            float[] fg = new float[4];
            for (int p = 0; p < 4; p++) {
                fg[p] = PRED[i][p] != 0 ? 0.9f : 0.1f;
            }
            m.add(PRED[i], fg, GT[i], 2, 2);
        }
        return m;
    }

    /** F_beta with beta^2 = 0.3 from accumulated counts: 1.3 tp / (1.3 tp + 0.3 fn + fp). */
    private static double f(double tp, double fp, double fn) {
        return 1.3 * tp / (1.3 * tp + 0.3 * fn + fp);
    }

    // Pixel by pixel (gt -> pred):
    //   frame 1: 0->0 TP bg; 1->1 TP a; 1->2 FN a, FP b; 2->2 TP b
    //   frame 2: 0->0 TP bg; 0->1 FN bg, FP a; 1->1 TP a; 1->0 FN a, FP bg
    //   frame 3: 0->0 TP bg three times; 0->1 FN bg, FP a
    // Totals: bg TP 5 FP 1 FN 2 -> IoU 5/8;  a TP 2 FP 2 FN 2 -> IoU 2/6;  b TP 1 FP 1 FN 0 -> IoU 1/2;
    //         never TP 0 FP 0 FN 0 (absent from ground truth and prediction alike).
    private static final double IOU_BG = 5.0 / 8;
    private static final double IOU_A = 2.0 / 6;
    private static final double IOU_B = 1.0 / 2;
    // F_beta: bg 6.5 / (6.5 + 0.6 + 1) = 6.5/8.1; a 2.6 / (2.6 + 0.6 + 2) = 0.5; b 1.3 / (1.3 + 0 + 1) = 1.3/2.3
    private static final double F_BG = f(5, 1, 2);
    private static final double F_A = f(2, 2, 2);
    private static final double F_B = f(1, 1, 0);

    @Test
    void perDatasetAveragesTheClassesThatOccur() {
        SegmentationMetrics m = score("per-dataset");
        // (5/8 + 1/3 + 1/2) / 3 = 1.458333 / 3 = 0.486111
        assertEquals((IOU_BG + IOU_A + IOU_B) / 3, m.miou(), 1e-12);
        assertEquals(0.486111, m.miou(), 1e-6);
        // (0.802469 + 0.5 + 0.565217) / 3 = 0.622562
        assertEquals((F_BG + F_A + F_B) / 3, m.fbeta(), 1e-12);
        assertEquals(0.622562, m.fbeta(), 1e-6);
        assertTrue(Double.isNaN(m.perClass().get(3).iou()), "absent class: no IoU");
        assertEquals("per-dataset", m.protocol());
    }

    @Test
    void cavpAveragesAllClassesAnAbsentOneCountingZero() {
        SegmentationMetrics m = score("cavp");
        // (5/8 + 1/3 + 1/2 + 0) / 4 = 1.458333 / 4 = 0.364583
        assertEquals((IOU_BG + IOU_A + IOU_B + 0) / 4, m.miou(), 1e-12);
        assertEquals(0.364583, m.miou(), 1e-6);
        // F-beta is a nanmean: "never" has 0/0 and is left out, so it equals the per-dataset F-beta
        assertEquals((F_BG + F_A + F_B) / 3, m.fbeta(), 1e-12);
        assertEquals(score("per-dataset").fbeta(), m.fbeta(), 1e-15);
        SegmentationMetrics.ClassScore never = m.perClass().get(3);
        assertEquals(0.0, never.iou(), 0.0);
        assertTrue(Double.isNaN(never.fbeta()));
        assertEquals(IOU_B, m.perClass().get(2).iou(), 1e-12);
        assertEquals("cavp", m.protocol());
        assertEquals("per-class (cavp)", m.table().name());
    }

    @Test
    void perImageAveragesFramesOfTheForegroundMap() {
        SegmentationMetrics m = score("per-image");
        // foreground = not background:
        //   frame 1: gt [0,1,1,1] pred [0,1,1,1] -> IoU 3/3 = 1
        //   frame 2: gt [0,0,1,1] pred [0,1,1,0] -> intersection 1, union 3 -> 1/3
        //   frame 3: empty gt, pred [0,0,0,1] -> pixels both background / all = 3/4
        // mIoU = (1 + 1/3 + 3/4) / 3 = 25/36 = 0.694444
        assertEquals(25.0 / 36, m.miou(), 1e-12);
        // F curve over frames 1 and 2 (frame 3 has no foreground ground truth):
        //   thresholds <= 0.1: all pixels foreground: frame 1 P 3/4 R 1, frame 2 P 1/2 R 1
        //   thresholds in (0.1, 0.9]: the predicted map: frame 1 P 1 R 1 -> 1; frame 2 P 1/2 R 1/2 -> 1/2
        //   thresholds > 0.9: nothing predicted -> 0
        // mean curve: (0.795918 + 0.565217) / 2 = 0.680568, then (1 + 0.5) / 2 = 0.75, then 0; maximum 0.75
        assertEquals(0.75, m.fbeta(), 1e-12);
        double low = (1.3 * 0.75 / (0.3 * 0.75 + 1) + 1.3 * 0.5 / (0.3 * 0.5 + 1)) / 2;
        assertEquals(low, m.fbetaCurve()[0], 1e-12);
        assertEquals("per-image", m.protocol());
    }

    @Test
    void perImageFMeasureIsTheMeanOverClipsOfEachClipsMaximum() {
        // AVSBench's test.py: per clip, the maximum of its frames' mean curve (frames with foreground ground
        // truth); a clip without any scores 0 and still counts; the mean over clips
        SegmentationMetrics twoClips = new SegmentationMetrics(CLASSES, "per-image", 0.3);
        SegmentationMetrics ownClips = new SegmentationMetrics(CLASSES, "per-image", 0.3);
        String[] clipOf = {"c1", "c1", "c2"};
        for (int i = 0; i < GT.length; i++) {
            float[] fg = new float[4];
            for (int p = 0; p < 4; p++) {
                fg[p] = PRED[i][p] != 0 ? 0.9f : 0.1f;
            }
            twoClips.add(clipOf[i], PRED[i], fg, GT[i], 2, 2);
            ownClips.add("f" + i, PRED[i], fg, GT[i], 2, 2);
        }
        // c1 = frames 1 and 2: maximum of the mean curve 0.75 (above); c2 = frame 3, empty: 0 -> (0.75 + 0) / 2
        assertEquals(0.375, twoClips.fbeta(), 1e-12);
        // one clip per frame: frame 1 max 1; frame 2 max(0.565217 low, 0.5 mid) = 0.565217; frame 3 0 -> / 3
        double frame2Low = 1.3 * 0.5 / (0.3 * 0.5 + 1);
        assertEquals((1 + frame2Low + 0) / 3, ownClips.fbeta(), 1e-12);
        assertEquals(25.0 / 36, twoClips.miou(), 1e-12, "the mIoU stays a mean over frames");
    }

    @Test
    void perImagePerClassFDividesByFramesWithTheClassInTruthOrPrediction() {
        // class "a" per frame (tp, fp, fn): frame 1 (1, 0, 1) -> 1.3 / 1.6 = 0.8125; frame 2 (1, 1, 1) -> 1.3 / 2.6
        // = 0.5; frame 3 (0, 1, 0), predicted only -> 0. AVSBench: (0.8125 + 0.5 + 0) / 3 = 0.4375 (ground-truth
        // frames only would give 0.65625)
        assertEquals(0.4375, score("per-image").perClass().get(1).fbeta(), 1e-12);
        // its IoU over the same frames: (1/2 + 1/3 + 0) / 3
        assertEquals((0.5 + 1.0 / 3) / 3, score("per-image").perClass().get(1).iou(), 1e-12);
    }

    @Test
    void theThreeMIousDiffer() {
        double perImage = score("per-image").miou();
        double perDataset = score("per-dataset").miou();
        double cavp = score("cavp").miou();
        assertTrue(perImage > perDataset && perDataset > cavp, perImage + " " + perDataset + " " + cavp);
    }

    /** A 20 x 20 frame with n0 background, n1 of class 1 and n2 of class 2 pixels (400 in all). */
    private static int[] frame(int n0, int n1, int n2) {
        assertEquals(400, n0 + n1 + n2);
        int[] g = new int[400];
        Arrays.fill(g, n0, n0 + n1, 1);
        Arrays.fill(g, n0 + n1, 400, 2);
        return g;
    }

    @Test
    void msSubsetKeepsFramesWithMoreThanTwoLabelsOfMoreThan100Pixels() {
        int[] two = frame(150, 150, 100);    // class 2 has exactly 100 pixels: 2 labels count -> out
        int[] three = frame(150, 149, 101);  // 150, 149, 101 pixels: 3 labels count -> in
        int[] plain = frame(400, 0, 0);      // one label -> out
        assertFalse(MultiSourceFrames.contains(two, 4));
        assertTrue(MultiSourceFrames.contains(three, 4));
        assertFalse(MultiSourceFrames.contains(plain, 4));

        for (String protocol : List.of("per-dataset", "cavp")) {
            SegmentationMetrics m = new SegmentationMetrics(CLASSES, protocol, 0.3, true);
            int[] wrong = new int[400];      // a prediction that would pull any scored frame down
            m.add(wrong, null, two, 20, 20);
            m.add(three, null, three, 20, 20); // the only frame scored: a perfect prediction
            m.add(wrong, null, plain, 20, 20);
            assertEquals(1, m.images(), protocol);
            assertEquals(2, m.leftOut(), protocol);
            assertEquals(protocol + "/ms", m.protocol());
            // bg, a, b all IoU 1; "never" absent: per-dataset 3/3 = 1, cavp (1 + 1 + 1 + 0) / 4 = 0.75
            assertEquals(protocol.equals("cavp") ? 0.75 : 1.0, m.miou(), 1e-12, protocol);
            assertEquals(List.of(150L, 149L, 101L, 0L),
                    m.perClass().stream().map(SegmentationMetrics.ClassScore::pixels).toList());
        }
    }

    @Test
    void anEmptyMsSubsetScoresNothing() {
        SegmentationMetrics m = new SegmentationMetrics(CLASSES, "cavp", 0.3, true);
        m.add(new int[400], null, frame(400, 0, 0), 20, 20);
        assertEquals(0, m.images());
        assertTrue(Double.isNaN(m.miou()), "no frame: no score, not the 0 of four absent classes");
        assertTrue(m.perClass().stream().allMatch(c -> Double.isNaN(c.iou())), "nor a 0 per class");
    }

    @Test
    void anUnknownProtocolNamesTheThree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SegmentationMetrics(CLASSES, "per-pixel", 0.3));
        assertEquals("eval.protocol: found 'per-pixel', expected per-dataset, per-image or cavp", e.getMessage());
    }
}
