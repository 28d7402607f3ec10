package cpm.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchLoaderTest {

    static Recipe recipe(String preset) {
        return TestRecipes.tiny("image.size", 32, "data.trainItems", 4, "data.testItems", 2, "data.framesPerClip", 2,
                "optim.batchSize", 3, "data.preset", preset, "audio.channels", preset.equals("stereo") ? 2 : 1);
    }

    /** Everything a batch holds, as Java arrays. */
    static List<Object> contents(Batch b) {
        return List.of(b.images().toFloatArray(), b.labels().toLongArray(), b.waves().toFloatArray(),
                b.noise() == null ? new float[0] : b.noise().toFloatArray(), b.tags().toFloatArray(), b.ids(),
                Arrays.toString(b.frames()));
    }

    static void assertSame(List<Object> a, List<Object> b) {
        assertArrayEquals((float[]) a.get(0), (float[]) b.get(0));
        assertArrayEquals((long[]) a.get(1), (long[]) b.get(1));
        assertArrayEquals((float[]) a.get(2), (float[]) b.get(2));
        assertArrayEquals((float[]) a.get(3), (float[]) b.get(3));
        assertArrayEquals((float[]) a.get(4), (float[]) b.get(4));
        assertEquals(a.get(5), b.get(5));
        assertEquals(a.get(6), b.get(6));
    }

    @Test
    void trainingOrderIsSeededAndResumesExactlyAfterSeek() {
        Recipe r = recipe("semantic");
        AvsDataset train = Datasets.open(r, "train");
        OffscreenSet noise = Datasets.offscreen(r, train);
        try (NDManager m = NDManager.newBaseManager()) {
            List<List<Object>> run = new ArrayList<>();
            Set<String> firstEpoch = new HashSet<>();
            try (BatchLoader l = new BatchLoader(train, noise, r, true, 42)) {
                for (int k = 0; k < 6; k++) { // 18 samples: crosses two epoch boundaries (8 items)
                    try (NDManager step = m.newSubManager(); Batch b = l.next(step)) {
                        assertEquals(new Shape(3, 3, 32, 32), b.images().getShape());
                        assertEquals(DataType.INT64, b.labels().getDataType());
                        assertEquals(new Shape(3, 1, 16000), b.waves().getShape());
                        assertEquals(new Shape(3, 1, 16000), b.noise().getShape());
                        assertEquals(new Shape(3, 9), b.tags().getShape());
                        run.add(contents(b));
                        if (k < 2) {
                            for (int i = 0; i < 3 && firstEpoch.size() < 8; i++) {
                                firstEpoch.add(b.ids().get(i) + "/" + b.frames()[i]);
                            }
                        }
                    }
                }
                assertEquals(18, l.position());
            }
            assertEquals(6, firstEpoch.size()); // the first six of a permutation are distinct items
            try (BatchLoader l = new BatchLoader(train, noise, r, true, 42)) {
                l.seek(6);
                for (int k = 2; k < 6; k++) {
                    try (Batch b = l.next(m)) {
                        assertSame(run.get(k), contents(b));
                    }
                }
                l.seek(3); // back again, on a loader that has already prefetched
                try (Batch b = l.next(m)) {
                    assertSame(run.get(1), contents(b));
                }
            }
            try (BatchLoader other = new BatchLoader(train, noise, r, true, 43); Batch b = other.next(m)) {
                assertTrue(!Arrays.equals((float[]) run.get(0).get(0), b.images().toFloatArray()), "seed ignored");
            }
        }
    }

    @Test
    void evaluationIsInOrderWithoutAugmentationAndEnds() {
        Recipe r = recipe("semantic");
        AvsDataset test = Datasets.open(r, "test");
        try (NDManager m = NDManager.newBaseManager(); BatchLoader l = new BatchLoader(test, null, r, false, 1)) {
            int seen = 0;
            for (Batch b = l.next(m); b != null; b = l.next(m)) {
                assertNull(b.noise());
                for (int i = 0; i < b.size(); i++) {
                    Sample s = test.get(seen + i);
                    assertEquals(s.clipId(), b.ids().get(i));
                    long[] lab = b.labels().get(i).toLongArray();
                    for (int k = 0; k < lab.length; k++) {
                        assertEquals(s.label()[k], lab[k]);
                    }
                    float[] img = b.images().get(i).toFloatArray();
                    assertEquals((s.rgb()[5] - 0.485f) / 0.229f, img[5], 1e-5); // ImageNet normalisation
                    float[] tags = b.tags().get(i).toFloatArray();
                    for (int c = 0; c < tags.length; c++) {
                        assertEquals(s.tags()[c] ? 1f : 0f, tags[c]);
                    }
                }
                seen += b.size();
                b.close();
            }
            assertEquals(4, seen); // 3 + a last partial batch of 1
            assertNull(l.next(m));
        }
    }

    @Test
    void horizontalFlipSwapsStereoChannelsAndMirrorsTheLabels() {
        Recipe r = recipe("stereo").with("data.cropScale", 1.0);
        AvsDataset train = Datasets.open(r, "train");
        try (NDManager m = NDManager.newBaseManager(); BatchLoader l = new BatchLoader(train, null, r, true, 5)) {
            int flipped = 0, kept = 0;
            for (int k = 0; k < 4; k++) {
                try (Batch b = l.next(m)) {
                    assertNotNull(b);
                    for (int i = 0; i < b.size(); i++) {
                        int item = -1;
                        for (int j = 0; j < train.size(); j++) {
                            Sample s = train.get(j);
                            if (s.clipId().equals(b.ids().get(i)) && s.frame() == b.frames()[i]) {
                                item = j;
                            }
                        }
                        Sample s = train.get(item);
                        float[] w = b.waves().get(i).toFloatArray();
                        float[] left = Arrays.copyOfRange(s.audio(), 0, 16000), right = Arrays.copyOfRange(s.audio(), 16000, 32000);
                        boolean swapped = Arrays.equals(Arrays.copyOfRange(w, 0, 16000), right)
                                && Arrays.equals(Arrays.copyOfRange(w, 16000, 32000), left);
                        boolean same = Arrays.equals(w, s.audio());
                        assertTrue(swapped || same);
                        // with crop scale 1 the crop is the whole image up to aspect: compare the mirrored label's
                        // column sums' centre of mass side with the audio swap
                        long[] lab = b.labels().get(i).toLongArray();
                        double cm = centre(lab, 32), cs = centre(Arrays.stream(s.label()).asLongStream().toArray(), 32);
                        if (!Double.isNaN(cs) && Math.abs(cs - 15.5) > 4) {
                            assertEquals(swapped, (cm - 15.5) * (cs - 15.5) < 0, "label mirrored iff audio swapped");
                        }
                        if (swapped) {
                            flipped++;
                        } else {
                            kept++;
                        }
                    }
                }
            }
            assertTrue(flipped > 0 && kept > 0, "flipped " + flipped + " kept " + kept);
        }
    }

    /** Mean column of the foreground pixels, NaN when none. */
    private static double centre(long[] lab, int w) {
        double s = 0;
        int n = 0;
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] != 0) {
                s += i % w;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    @Test
    void warmUpReadsEverySoundOnceAndLeavesTheBatchesAsTheyWere() {
        Recipe r = recipe("semantic");
        List<List<Object>> cold = new ArrayList<>();
        List<List<Object>> warm = new ArrayList<>();
        for (List<List<Object>> out : List.of(cold, warm)) {
            AvsDataset train = Datasets.open(r, "train");      // fresh sets: nothing cached yet
            OffscreenSet noise = Datasets.offscreen(r, train);
            try (NDManager m = NDManager.newBaseManager();
                 BatchLoader l = new BatchLoader(train, noise, r, true, 7)) {
                if (out == warm) {
                    assertEquals(train.size() + noise.size(), l.warmUp());
                    assertEquals(0, l.position(), "warming up consumes nothing");
                }
                for (int k = 0; k < 4; k++) {
                    try (Batch b = l.next(m)) {
                        out.add(contents(b));
                    }
                }
            }
        }
        for (int k = 0; k < 4; k++) {
            assertSame(cold.get(k), warm.get(k));
        }
    }
}
