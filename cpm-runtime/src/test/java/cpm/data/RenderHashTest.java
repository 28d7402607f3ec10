package cpm.data;

import ai.djl.ndarray.NDManager;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The data stream is pinned byte for byte: SHA-256 hashes of the first batches of every synthetic preset (training
 * with augmentation and off-screen sounds, and evaluation) and of every synthetic sound type, recorded with the
 * renderer as it was before the first-epoch speed work (bench/notes-epoch.md). A faster renderer must leave every
 * sample as it was, so that trainings, checkpoints and results stay reproducible across versions.
 */
class RenderHashTest {

    /** Recorded with the straightforward renderer (commit a877b45). */
    private static final java.util.Map<String, String> BATCHES = java.util.Map.of(
            
            "ss", "e536e16000bbc23aa0107ce084c6b79fcbff01f5fea5e0a0b3d9228dd19fa4e4",
            "ms", "017e3abf08e1715d722d84586663bb8146a85de90dfe9c5203332ab7a92216f3",
            "semantic", "1bbbe48e7b31e8dc0f85949f0cb913bbef419b87c52e78f6be48005d7530d0ab",
            "stereo", "193859aa9be00a4b7878633e1e7f8228dd9f1e821ef2bf22a83bf6386eab3660",
            "tiny", "1a5d98ceffcc799d6ed4c25ad1865d212fbb4a1eee808e57a65edf65f4567dba");
    private static final String SOUNDS = "532a907c984a1cc049d93d83453f8a8e3c3a59bfe05a762be1914d4e1b06f71b";

    static Recipe recipe(String preset) {
        return TestRecipes.tiny("image.size", 64, "data.trainItems", 30, "data.testItems", 6, "data.preset", preset,
                "audio.channels", preset.equals("stereo") ? 2 : 1);
    }

    /** Hash of the first {@code batches} training batches and the first evaluation batch of a fresh data set. */
    static String batchHash(Recipe r, int batches) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        AvsDataset train = Datasets.open(r, "train");
        AvsDataset test = Datasets.open(r, "test");
        OffscreenSet noise = Datasets.offscreen(r, train);
        try (NDManager m = NDManager.newBaseManager()) {
            try (BatchLoader l = new BatchLoader(train, noise, r, true, 42)) {
                for (int k = 0; k < batches; k++) {
                    try (NDManager step = m.newSubManager(); Batch b = l.next(step)) {
                        update(md, b);
                    }
                }
            }
            try (BatchLoader l = new BatchLoader(test, null, r, false, 42);
                 NDManager step = m.newSubManager(); Batch b = l.next(step)) {
                update(md, b);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, Batch b) {
        floats(md, b.images().toFloatArray());
        for (long v : b.labels().toLongArray()) {
            md.update((byte) v);
        }
        floats(md, b.waves().toFloatArray());
        if (b.noise() != null) {
            floats(md, b.noise().toFloatArray());
        }
        floats(md, b.tags().toFloatArray());
        md.update((b.ids() + java.util.Arrays.toString(b.frames())).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static void floats(MessageDigest md, float[] a) {
        ByteBuffer bb = ByteBuffer.allocate(4 * a.length);
        bb.asFloatBuffer().put(a);
        md.update(bb.array());
    }

    @Test
    void firstBatchesOfEveryPresetAreAsRecorded() throws Exception {
        java.util.Map<String, String> found = new java.util.TreeMap<>();
        for (String preset : new String[]{"ss", "ms", "semantic", "stereo"}) {
            found.put(preset, batchHash(recipe(preset), 3));
        }
        found.put("tiny", batchHash(TestRecipes.tiny(), 2));
        assertEquals(new java.util.TreeMap<>(BATCHES), found);
    }

    @Test
    void everySoundTypeIsAsRecorded() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int type = 1; type <= SynthSounds.TYPES; type++) {
            for (int rate : new int[]{16000, 11025}) {
                float[] out = new float[rate + 5];
                SynthSounds.render(new SynthSounds.Voice(type, 0.93 + 0.01 * type, 0.37, 1234567L * type), rate,
                        3L * rate + 17, rate, 0.7f, out, 5);
                floats(md, out);
            }
        }
        assertEquals(SOUNDS, HexFormat.of().formatHex(md.digest()));
    }
}
