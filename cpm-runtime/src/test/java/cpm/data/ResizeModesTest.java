package cpm.data;

import ai.djl.ndarray.NDManager;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * data.resize (docs/datasets.md): squash stretches frames to the square exactly as before the field existed; pad
 * keeps the aspect ratio and centres the frame on the normalisation mean with ignored labels around it; crop keeps
 * the centre. Checked by hand on small frames and on the 16 x 20 frames of an AVSS folder through the BatchLoader.
 */
class ResizeModesTest {

    @TempDir
    Path dir;

    @Test
    void padAndCropPlacePixelsByHand() {
        // a 4 x 8 one-channel image whose pixel (y, x) is 10 y + x, and its label map y + 1
        float[] img = new float[32];
        int[] lab = new int[32];
        for (int i = 0; i < 32; i++) {
            img[i] = 10 * (i / 8) + i % 8;
            lab[i] = i / 8 + 1;
        }
        assertArrayEquals(new int[]{4, 8}, Images.fitSize(4, 8, 8, Images.Fit.PAD));
        float[] padded = Images.fitImage(img, 1, 4, 8, 8, Images.Fit.PAD, new float[]{-1f});
        int[] padLab = Images.fitLabel(lab, 4, 8, 8, Images.Fit.PAD, BatchLoader.IGNORE);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                boolean frame = y >= 2 && y < 6; // rows 0-1 and 6-7 are padding, the frame centred between
                assertEquals(frame ? 10 * (y - 2) + x : -1f, padded[y * 8 + x], 0f, "image " + y + "," + x);
                assertEquals(frame ? y - 1 : 255, padLab[y * 8 + x], "label " + y + "," + x);
            }
        }
        assertArrayEquals(new int[]{4, 8}, Images.fitSize(4, 8, 4, Images.Fit.CROP));
        float[] cropped = Images.fitImage(img, 1, 4, 8, 4, Images.Fit.CROP, null);
        int[] cropLab = Images.fitLabel(lab, 4, 8, 4, Images.Fit.CROP, BatchLoader.IGNORE);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(10 * y + x + 2, cropped[y * 4 + x], 0f, "columns 2-5 kept");
                assertEquals(y + 1, cropLab[y * 4 + x]);
            }
        }
        // sizes keep the aspect ratio, rounded: 6 x 10 to 8 is 5 x 8 padded, 8 x 13 cropped; tall frames likewise
        assertArrayEquals(new int[]{5, 8}, Images.fitSize(6, 10, 8, Images.Fit.PAD));
        assertArrayEquals(new int[]{8, 13}, Images.fitSize(6, 10, 8, Images.Fit.CROP));
        assertArrayEquals(new int[]{8, 5}, Images.fitSize(10, 6, 8, Images.Fit.PAD));
        assertArrayEquals(new int[]{13, 8}, Images.fitSize(10, 6, 8, Images.Fit.CROP));
        assertArrayEquals(new int[]{8, 8}, Images.fitSize(6, 10, 8, Images.Fit.SQUASH));
    }

    @Test
    void squashBatchesEqualTheResizeBeforeTheField() throws Exception {
        Path root = Fixtures.avss(dir.resolve("avss"));
        int size = 32;
        Recipe r = TestRecipes.tiny("data.kind", "avss", "data.path", root.toString(), "image.size", size,
                "optim.batchSize", 2);
        AvsDataset raw = Datasets.open(r.with("image.originalResolution", true), "test"); // frames as decoded
        AvsDataset test = Datasets.open(r, "test");
        int h = Fixtures.H, w = Fixtures.W, n = test.size();
        long seed = 7;
        try (NDManager m = NDManager.newBaseManager();
             BatchLoader eval = new BatchLoader(test, null, r, false, seed);
             BatchLoader train = new BatchLoader(test, null, r, true, seed)) {
            Batch e = eval.next(m);
            Batch t = train.next(m);
            float[] evalImages = e.images().toFloatArray(), trainImages = t.images().toFloatArray();
            long[] evalLabels = e.labels().toLongArray(), trainLabels = t.labels().toLongArray();
            int[] perm = SynthScene.permutation(new SplittableRandom(BatchLoader.mix(seed, 0, -1)), n);
            for (int i = 0; i < 2; i++) {
                // before data.resize: ClipDataset squashed the frame to size x size ...
                Sample s = raw.get(i);
                float[] sq = Images.resizeBilinear(s.rgb(), 3, h, w, size, size);
                int[] sqLab = Images.resizeNearest(s.label(), h, w, size, size);
                assertSlice(sq, sqLab, evalImages, evalLabels, i, size);
                // ... and training cropped that square at random
                Sample st = raw.get(perm[i]);
                float[] sqt = Images.resizeBilinear(st.rgb(), 3, h, w, size, size);
                int[] sqtLab = Images.resizeNearest(st.label(), h, w, size, size);
                SplittableRandom rng = new SplittableRandom(BatchLoader.mix(seed, 0, i));
                double area = size * (double) size * (r.data().cropScale() + (1 - r.data().cropScale())
                        * rng.nextDouble());
                double ratio = Math.exp(Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * rng.nextDouble());
                double cw = Math.min(size, Math.sqrt(area * ratio)), ch = Math.min(size, Math.sqrt(area / ratio));
                double x0 = (size - cw) * rng.nextDouble(), y0 = (size - ch) * rng.nextDouble();
                boolean flip = rng.nextBoolean();
                assertSlice(Images.resizeBilinear(sqt, 3, size, size, x0, y0, cw, ch, size, size, flip),
                        Images.resizeNearest(sqtLab, size, size, x0, y0, cw, ch, size, size, flip), trainImages,
                        trainLabels, i, size);
            }
        }
    }

    @Test
    void padCentresTheFrameOnTheMeanAndCropKeepsTheCentre() throws Exception {
        Path root = Fixtures.avss(dir.resolve("avss"));
        Recipe r = TestRecipes.tiny("data.kind", "avss", "data.path", root.toString(), "optim.batchSize", 1,
                "image.size", 32);
        AvsDataset raw = Datasets.open(r.with("image.originalResolution", true), "test");
        int h = Fixtures.H, w = Fixtures.W, side = 32;
        Sample s = raw.get(1);
        try (NDManager m = NDManager.newBaseManager()) {
            // 16 x 20 padded to 32: the frame is resized to 26 x 32 (25.6 rounded) and centred, rows 3 to 28
            Recipe pad = r.with("data.resize", "pad");
            float[] fr = Images.resizeBilinear(s.rgb(), 3, h, w, 26, side);
            int[] fl = Images.resizeNearest(s.label(), h, w, 26, side);
            try (BatchLoader l = new BatchLoader(Datasets.open(pad, "test"), null, pad, false, 1)) {
                l.next(m);
                Batch b = l.next(m);
                float[] img = b.images().toFloatArray();
                long[] lab = b.labels().toLongArray();
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        boolean frame = y >= 3 && y < 3 + 26;
                        long want = frame ? fl[(y - 3) * side + x] : BatchLoader.IGNORE;
                        assertEquals(want, lab[y * side + x], "label " + y + "," + x);
                        for (int c = 0; c < 3; c++) {
                            float v = frame ? (fr[(c * 26 + y - 3) * side + x] - BatchLoader.MEAN[c])
                                    / BatchLoader.STD[c] : 0f; // the mean, normalised
                            assertEquals(v, img[(c * side + y) * side + x], 0f, "image " + c + "," + y + "," + x);
                        }
                    }
                }
            }
            // cropped to 32: resized to 32 x 40, columns 4 to 35 kept
            Recipe crop = r.with("data.resize", "crop");
            float[] cr = Images.resizeBilinear(s.rgb(), 3, h, w, side, 40);
            int[] cl = Images.resizeNearest(s.label(), h, w, side, 40);
            try (BatchLoader l = new BatchLoader(Datasets.open(crop, "test"), null, crop, false, 1)) {
                l.next(m);
                Batch b = l.next(m);
                long[] lab = b.labels().toLongArray();
                float[] img = b.images().toFloatArray();
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        assertEquals(cl[y * 40 + x + 4], lab[y * side + x], "label " + y + "," + x);
                        assertEquals((cr[y * 40 + x + 4] - BatchLoader.MEAN[0]) / BatchLoader.STD[0],
                                img[y * side + x], 0f, "image " + y + "," + x);
                    }
                }
            }
        }
    }

    /** Item i of a batch equals the (size x size) image, normalised as the loader does, and the label map. */
    private static void assertSlice(float[] rgb, int[] lab, float[] images, long[] labels, int i, int size) {
        int hw = size * size;
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < hw; k++) {
                float want = (rgb[c * hw + k] - BatchLoader.MEAN[c]) / BatchLoader.STD[c];
                assertEquals(want, images[(i * 3 + c) * hw + k], 0f, "item " + i + " channel " + c + " pixel " + k);
            }
        }
        for (int k = 0; k < hw; k++) {
            assertEquals(lab[k], labels[i * hw + k], "item " + i + " label pixel " + k);
        }
    }
}
