package cpm.viz;

import cpm.data.AvsDataset;
import cpm.data.BatchLoader;
import cpm.data.SyntheticDataset;
import cpm.train.History;
import cpm.train.PredictionPictures;
import cpm.train.TrainingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19 class 9: the pictures are legible, checked on their pixels from small known inputs. */
class PicturesLegibilityTest {

    private static final int H = 16;
    private static final int W = 16;

    /** A uniform mid-grey image, normalised as the loader normalises. */
    private static float[] grey() {
        float[] img = new float[3 * H * W];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < H * W; i++) {
                img[c * H * W + i] = (0.5f - BatchLoader.MEAN[c]) / BatchLoader.STD[c];
            }
        }
        return img;
    }

    /** Class {@code k} on label rows and columns [lo, hi), background elsewhere. */
    private static long[] square(int k, int lo, int hi) {
        long[] l = new long[H * W];
        for (int y = lo; y < hi; y++) {
            for (int x = lo; x < hi; x++) {
                l[y * W + x] = k;
            }
        }
        return l;
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    @Test
    void regionsHaveAClassColouredOutlineWithAContrastingHaloAndAHalfTransparentFill() {
        long[] g = square(1, 4, 12);
        BufferedImage img = Pictures.overlay(grey(), H, W, g, g, List.of("background", "bell"), "t");
        int s = Overlay.scale(H, W);
        assertEquals(16, s);
        int b = Overlay.outline(H, W);
        int x0 = Overlay.panelX(1, H, W); // ground-truth panel
        int midY = Overlay.TOP + 8 * s;
        int red = Pictures.colour(1).getRGB() & 0xFFFFFF; // VOC class 1: (128, 0, 0), dark
        assertEquals(red, rgb(img, x0 + 4 * s, midY), "inner edge of the region: the full class colour");
        assertEquals(red, rgb(img, x0 + 4 * s + b - 1, midY));
        assertEquals(0xFFFFFF, rgb(img, x0 + 4 * s - 1, midY), "just outside: white, which contrasts with dark red");
        assertEquals(0xFFFFFF, rgb(img, x0 + 4 * s - b, midY));
        int grey = rgb(img, Overlay.panelX(0, H, W) + 8 * s, midY);
        assertEquals(grey, rgb(img, x0 + 4 * s - b - 1, midY), "beyond the outline: the image itself");
        int fill = rgb(img, x0 + 8 * s, midY);
        assertEquals(Overlay.blend(grey, red, Overlay.FILL), fill, "inside: half image, half class colour");
        assertNotEquals(grey, fill);
        // a light class colour gets a black halo
        Color light = Pictures.colour(15); // (192, 128, 128)
        assertEquals(Color.BLACK, Overlay.contrast(light));
        BufferedImage img15 = Pictures.overlay(grey(), H, W, square(15, 4, 12), square(15, 4, 12),
                List.of(), "t");
        assertEquals(0x000000, rgb(img15, x0 + 4 * s - 1, midY));
    }

    @Test
    void errorMapColoursFalsePositivesFalseNegativesAndWrongClassesWhereTheyAre() {
        long[] g = new long[H * W];
        long[] p = new long[H * W];
        g[0] = 1; // missed: false negative
        p[1] = 2; // predicted on background: false positive
        g[2] = 1;
        p[2] = 1; // correct
        g[3] = 1;
        p[3] = 2; // wrong class
        BufferedImage img = Pictures.overlay(grey(), H, W, g, p, List.of("bg", "a", "b"), "t");
        int s = Overlay.scale(H, W);
        int x0 = Overlay.panelX(3, H, W);
        int y = Overlay.TOP + s / 2;
        assertEquals(Overlay.FALSE_NEGATIVE.getRGB() & 0xFFFFFF, rgb(img, x0 + s / 2, y));
        assertEquals(Overlay.FALSE_POSITIVE.getRGB() & 0xFFFFFF, rgb(img, x0 + s + s / 2, y));
        assertEquals(Overlay.CORRECT.getRGB() & 0xFFFFFF, rgb(img, x0 + 2 * s + s / 2, y));
        assertEquals(Overlay.WRONG_CLASS.getRGB() & 0xFFFFFF, rgb(img, x0 + 3 * s + s / 2, y));
        int tn = rgb(img, x0 + 10 * s, Overlay.TOP + 10 * s);
        assertEquals((tn >> 16) & 0xFF, tn & 0xFF, "true negatives: the image in grey");
    }

    @Test
    void perImageIouMatchesAHandCount() {
        // class 1: truth rows/cols 4..11 (64 px), prediction 6..13 (64 px), overlap 6..11 = 36 px, union 92
        // class 2: predicted on one pixel that the truth lacks: IoU 0
        long[] g = square(1, 4, 12);
        long[] p = square(1, 6, 14);
        p[0] = 2;
        ImageIou iou = ImageIou.of(g, p);
        assertEquals(List.of(1, 2), iou.classes());
        assertEquals(36.0 / 92.0, iou.ious().get(0), 1e-12);
        assertEquals(0.0, iou.ious().get(1), 1e-12);
        assertEquals((36.0 / 92.0) / 2, iou.mean(), 1e-12);
        assertEquals("IoU 0.196 (bell 0.391, dog 0.000)", iou.detail(List.of("background", "bell", "dog")));
        assertEquals("IoU n/a (no object)", ImageIou.of(new long[4], new long[4]).brief());
    }

    @Test
    void eachAudioMaskHasAPanelOfItsOwn() {
        int t = 10;
        int f = 8;
        float[][] spec = new float[t][f];
        List<float[][]> masks = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            float[][] m = new float[t][f];
            m[2 + 3 * k][4] = 1f; // mask k is on at one cell, a different one per mask
            masks.add(m);
        }
        BufferedImage img = Pictures.spectrogramMasks(spec, masks, List.of("a", "b", "c"));
        int[] s = Spectrograms.scale(t, f);
        for (int panel = 0; panel < 3; panel++) {
            for (int k = 0; k < 3; k++) {
                int x = Spectrograms.panelX(panel, t, f) + (2 + 3 * k) * s[0] + s[0] / 2;
                int y = Spectrograms.TOP + (f - 1 - 4) * s[1] + s[1] / 2;
                int px = rgb(img, x, y);
                if (k == panel) {
                    assertNotEquals(0x000000, px, "panel " + panel + " shows its own mask");
                } else {
                    assertEquals(0x000000, px, "panel " + panel + " does not show mask " + k);
                }
            }
        }
    }

    @Test
    void curvesPutLossesOnALogAxisAndStsOnAPanelOfItsOwn(@TempDir Path dir) throws Exception {
        History h = new History();
        for (int step = 10; step <= 30; step += 10) {
            TrainingSession.StepResult r = new TrainingSession.StepResult(step - 1, 50.0, 49.0, 0.05, 0.9, 0.02,
                    1e-3, 1.0, new TrainingSession.Timings(0, 0, 0, 0, 0, 0), 0.001, 0.02, 0.0004, null);
            h.add(History.Row.of(new History.Logged(r, step, step, step == 20 ? 1.7 : Double.NaN)));
        }
        List<XYChart> charts = Curves.charts(PredictionPictures.series(h, PredictionPictures.LOSS_COLUMNS),
                PredictionPictures.series(h, PredictionPictures.SCORE_COLUMNS));
        assertEquals(2, charts.size());
        assertTrue(charts.get(0).getStyler().isYAxisLogarithmic(), "losses: log axis");
        Set<String> top = charts.get(0).getSeriesMap().keySet();
        Set<String> bottom = charts.get(1).getSeriesMap().keySet();
        assertTrue(top.containsAll(List.of("loss", "loss_agn", "loss_vcp", "loss_pcl")), top.toString());
        assertFalse(top.contains("sts"));
        assertTrue(bottom.contains("sts"), bottom.toString());
        assertFalse(charts.get(1).getStyler().isYAxisLogarithmic());
        Path file = dir.resolve("curves.png");
        PredictionPictures.curves(h, file);
        BufferedImage png = ImageIO.read(file.toFile());
        assertEquals(2 * Curves.PANEL_HEIGHT, png.getHeight());
    }

    @Test
    void testPicturesComeFromDistinctClips() {
        // 6 clips of 5 frames: items 0..29, clip = item / 5
        AvsDataset data = new SyntheticDataset("semantic", "test", 1, 6, 5, 32, 16000, 1.0);
        List<Integer> four = PredictionPictures.distinctClipItems(data, 4);
        assertEquals(List.of(0, 5, 10, 15), four);
        Set<String> clips = new HashSet<>();
        for (int i : four) {
            clips.add(data.get(i).clipId());
        }
        assertEquals(4, clips.size(), "four pictures, four clips");
        // more pictures than clips: every clip once, then further frames
        List<Integer> eight = PredictionPictures.distinctClipItems(data, 8);
        assertEquals(8, eight.size());
        assertTrue(eight.containsAll(List.of(0, 5, 10, 15, 20, 25)));
    }
}
