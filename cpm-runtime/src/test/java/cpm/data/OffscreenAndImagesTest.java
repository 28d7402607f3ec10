package cpm.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffscreenAndImagesTest {

    @TempDir
    Path dir;

    @Test
    void bilinearResizeMatchesTheEngineAndNearestKeepsLabels() {
        SplittableRandom r = new SplittableRandom(2);
        int c = 3, h = 13, w = 17;
        float[] x = new float[c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = m.create(x, new Shape(1, c, h, w));
            for (int[] size : new int[][]{{32, 40}, {7, 5}, {13, 17}, {20, 9}}) {
                float[] ref = in.getNDArrayInternal().interpolation(new long[]{size[0], size[1]}, 1, false).toFloatArray();
                float[] got = Images.resizeBilinear(x, c, h, w, size[0], size[1]);
                assertArrayEquals(ref, got, 1e-5f, Arrays.toString(size));
            }
        }
        int[] lab = new int[h * w];
        for (int i = 0; i < lab.length; i++) {
            lab[i] = (i / w) * 100 + i % w; // encodes (y, x)
        }
        int[] up = Images.resizeNearest(lab, h, w, 2 * h, 2 * w);
        for (int y = 0; y < 2 * h; y++) {
            for (int xx = 0; xx < 2 * w; xx++) {
                assertEquals((y / 2) * 100 + xx / 2, up[y * 2 * w + xx]);
            }
        }
        int[] flipped = Images.resizeNearest(lab, h, w, 0, 0, w, h, h, w, true);
        assertEquals(lab[w - 1], flipped[0]);
    }

    @Test
    void syntheticOffscreenSoundsAvoidTheClipsClasses() {
        Recipe rec = TestRecipes.tiny("data.trainItems", 20);
        SyntheticDataset train = (SyntheticDataset) Datasets.open(rec, "train");
        OffscreenSet noise = Datasets.offscreen(rec, train);
        assertTrue(noise instanceof SyntheticOffscreen);
        SyntheticOffscreen off = (SyntheticOffscreen) noise;
        Set<Integer> types = new HashSet<>();
        for (int j = 0; j < noise.size(); j++) {
            types.add(off.type(j));
            float[] a = noise.get(j);
            assertEquals(16000, a.length);
            double e = 0;
            for (float v : a) {
                assertTrue(v >= -1 && v <= 1);
                e += v * v;
            }
            assertTrue(e > 0, "silent off-screen item " + j);
        }
        assertEquals(11, types.size()); // the 8 classes and wind, clicks, hum
        assertFalse(Arrays.equals(noise.get(0), noise.get(1)));
        for (int i = 0; i < train.size(); i += 3) {
            boolean[] vis = train.visibleClasses(i);
            for (int j = 0; j < 40; j++) {
                int t = off.type(j);
                assertEquals(t > 8 || !vis[t], off.compatible(j, train, i));
            }
        }
    }

    @Test
    void realDataUsesOtherClipsOrAWavFolder() throws Exception {
        Path root = Fixtures.avss(dir.resolve("avss"));
        Recipe r = TestRecipes.tiny("data.kind", "avss", "data.path", root.toString(), "image.size", 32);
        AvsDataset test = Datasets.open(r, "test"), val = Datasets.open(r, "val");
        OffscreenSet other = Datasets.offscreen(r, test);
        assertEquals(test.size(), other.size());
        assertArrayEquals(test.get(2).audio(), other.get(2));
        assertFalse(other.compatible(1, test, 3)); // same clip
        assertFalse(other.compatible(0, test, 1));
        // tags from the label maps: frames of clip b alternate car (even) and dog (odd); clip c frame 0 is dog
        OffscreenSet fromVal = Datasets.offscreen(r, val);
        assertFalse(fromVal.compatible(0, test, 1));
        assertTrue(fromVal.compatible(0, test, 0));

        Path noiseDir = dir.resolve("noise");
        WavIO.write(noiseDir.resolve("a.wav"), 8000, Fixtures.tone(1, 8000, 2.5, 300)); // 3 windows
        WavIO.write(noiseDir.resolve("sub/b.wav"), 16000, Fixtures.tone(2, 16000, 1, 500)); // 1 window
        OffscreenSet folder = Datasets.offscreen(r.with("cpm.noise", noiseDir.toString()), test);
        assertEquals(4, folder.size());
        float[] last = folder.get(2); // the padded half second of a.wav
        assertEquals(0f, last[12000]);
        assertNotEquals(0f, last[100]);
        assertEquals(16000, folder.get(3).length);
    }
}
