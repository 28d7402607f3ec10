package cpm.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.TensorFile;
import cpm.nn.Weights;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pretrained weights as releases ship them: safetensors written byte by byte here, the same tensors as .npz,
 * torchvision/timm and Hugging Face names, prefixes, F16/BF16, damaged headers, and the RGB conv1 adapted to a 1- or
 * 2-channel audio ResNet-18 (checked against the mean computed here).
 */
class WeightFormatsTest {

    /** tiny's ResNet-18 (width 0.25) with batch norms, so the running statistics load too. */
    static final Recipe R = Presets.get("tiny").toBuilder().set("image.norm", "batch").set("image.size", 64).build();
    static final List<ResNetFile.T> TV = ResNetFile.resnet18(0.25, false, "", 5);
    @TempDir
    static Path dir;

    static Weights image(NDManager m) {
        Weights w = new Weights(m.newSubManager(), 11);
        AvsModel.imageBackbone(R, w);
        return w;
    }

    static WeightsReport load(Weights w, Path file, String names) {
        return PretrainedLoader.load(w, "backbone.", "image backbone", file, names);
    }

    static float[] param(Weights w, String name) {
        return w.entries().get(name).array().toFloatArray();
    }

    /** Every backbone tensor of {@code w} equals the written tensor of its torchvision name. */
    static void assertHolds(Weights w, List<ResNetFile.T> written) {
        int n = 0;
        for (Map.Entry<String, Weights.Entry> e : w.entries().entrySet()) {
            String tv = PretrainedLoader.torchName(e.getKey().substring("backbone.".length()));
            assertArrayEquals(ResNetFile.find(written, tv).values(), e.getValue().array().toFloatArray(), 0f, tv);
            n++;
        }
        assertEquals(100, n); // 20 convs + 20 norms x 4 tensors under batch norm
    }

    @BeforeAll
    static void files() throws IOException {
        ResNetFile.write(dir.resolve("timm.safetensors"), ResNetFile.safetensors(TV));
    }

    @Test
    void safetensorsAndNpzGiveIdenticalTensors() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights a = image(m);
            WeightsReport ra = load(a, dir.resolve("timm.safetensors"), "auto");
            assertHolds(a, TV);
            assertTrue(ra.ok());
            assertEquals(100, ra.loaded().size());
            assertEquals("safetensors", ra.format());
            assertEquals("F32 x102, I64 x20", ra.dtypes());
            // fc.weight, fc.bias and 20 counters are not used
            assertEquals(22, ra.unexpected().size());
            assertTrue(ra.text(false).contains("result: full match"), ra.text(false));

            Weights b = image(m);
            WeightsReport rb = load(b, ResNetFile.npz(dir.resolve("same.npz"), TV, m), "timm");
            assertEquals("npz", rb.format());
            for (String k : a.entries().keySet()) {
                assertArrayEquals(param(a, k), param(b, k), 0f, k);
            }
        }
    }

    @Test
    void halfAndBfloat16AreWidenedExactly() throws IOException {
        List<ResNetFile.T> ts = new ArrayList<>(TV);
        ts.replaceAll(t -> t.tv().equals("conv1.weight") ? ResNetFile.with(t, "BF16", t.shape())
                : t.tv().equals("bn1.weight") ? ResNetFile.with(t, "F16", t.shape()) : t);
        Path f = ResNetFile.write(dir.resolve("half.safetensors"), ResNetFile.safetensors(ts));
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = image(m);
            WeightsReport r = load(w, f, "auto");
            assertTrue(r.dtypes().contains("BF16 x1") && r.dtypes().contains("F16 x1"), r.dtypes());
            assertArrayEquals(ResNetFile.find(ts, "conv1.weight").values(), param(w, "backbone.conv1.weight"), 0f);
            assertArrayEquals(ResNetFile.find(ts, "bn1.weight").values(), param(w, "backbone.bn1.gamma"), 0f);
            // and they did lose precision: the test would pass trivially otherwise
            assertFalse(java.util.Arrays.equals(ResNetFile.find(TV, "conv1.weight").values(),
                    param(w, "backbone.conv1.weight")));
        }
    }

    @Test
    void torchvisionTimmAndTransformersNamesFillTheSameParameters() throws IOException {
        Path hf = ResNetFile.write(dir.resolve("hf.safetensors"),
                ResNetFile.safetensors(ResNetFile.resnet18(0.25, true, "resnet.", 5)));
        Path wrapped = ResNetFile.write(dir.resolve("wrapped.safetensors"),
                ResNetFile.safetensors(ResNetFile.resnet18(0.25, false, "model.backbone.", 5)));
        try (NDManager m = NDManager.newBaseManager()) {
            Weights a = image(m);
            WeightsReport ra = load(a, hf, "auto");
            assertEquals("transformers", ra.names());
            assertTrue(ra.namesDetected());
            assertEquals("resnet.", ra.filePrefix());
            assertHolds(a, TV);
            Weights b = image(m);
            WeightsReport rb = load(b, wrapped, "timm");
            assertEquals("model.backbone.", rb.filePrefix());
            assertHolds(b, TV);
            assertEquals(22, rb.unexpected().size());
            // the scheme named in the recipe is used as named: torchvision names are not in the transformers file
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> load(image(m), hf, "torchvision"));
            assertTrue(e.getMessage().contains("hf.safetensors") && e.getMessage().contains("missing key"),
                    e.getMessage());
        }
    }

    @Test
    void shapeMismatchNamesKeyFoundAndExpectedAndCopiesNothing() throws IOException {
        List<ResNetFile.T> ts = new ArrayList<>(TV);
        ts.replaceAll(t -> t.tv().equals("layer2.0.conv2.weight") ? ResNetFile.with(t, "F32", new long[] {1, 2, 3, 3}) : t);
        Path f = ResNetFile.write(dir.resolve("mis.safetensors"), ResNetFile.safetensors(ts));
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = image(m);
            float[] before = param(w, "backbone.conv1.weight");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(w, f, "auto"));
            assertTrue(e.getMessage().contains("mis.safetensors") && e.getMessage().contains("layer2.0.conv2.weight")
                    && e.getMessage().contains("found shape (1, 2, 3, 3)")
                    && e.getMessage().contains("expected (32, 32, 3, 3)"), e.getMessage());
            assertArrayEquals(before, param(w, "backbone.conv1.weight"));
            WeightsReport r = PretrainedLoader.check(w, "backbone.", "image backbone", f, "auto");
            assertEquals(1, r.mismatched().size());
            assertEquals(99, r.loaded().size());
        }
    }

    /** The header rules, each on a file built here; every message names the file, what was found and expected. */
    @Test
    void damagedFilesAreOneClearMessage() throws IOException {
        byte[] good = ResNetFile.safetensors(TV.subList(0, 3));
        long n = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] truncated = java.util.Arrays.copyOf(good, 8 + (int) n / 2);
        assertBad("truncated.safetensors", truncated, "truncated header", "header length of " + n);
        assertBad("short.safetensors", new byte[] {1, 2, 3}, "found 3 bytes", "expected at least 8");
        byte[] noData = java.util.Arrays.copyOf(good, 8 + (int) n + 100);
        assertBad("cut.safetensors", noData, "tensor \"conv1.weight\"", "lie outside the data");
        assertBad("dtype.safetensors", header("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
                "found dtype F8_E4M3", "expected one of F32, F16, BF16");
        assertBad("count.safetensors", header("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "found 8 bytes", "expected 12 (shape (3) of F32)");
        assertBad("json.safetensors", header("{\"w\": [1, 2", 0), "not valid JSON", "expected an object");
        // a torch.save checkpoint is a zip holding a pickle: refused with the conversion
        Path pth = dir.resolve("resnet18.pth");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(pth))) {
            z.putNextEntry(new ZipEntry("resnet18/data.pkl"));
            z.write(new byte[] {(byte) 0x80, 2});
            z.closeEntry();
        }
        assertBadFile(pth, "a Python pickle", "st.save_file");
    }

    static byte[] header(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h)
                .array();
    }

    static void assertBad(String name, byte[] bytes, String... parts) throws IOException {
        assertBadFile(ResNetFile.write(dir.resolve(name), bytes), parts);
    }

    static void assertBadFile(Path file, String... parts) {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorFile.read(m, file));
            String msg = e.getMessage();
            assertTrue(msg.contains(file.toString()) && msg.contains("found") && msg.contains("expected"), msg);
            for (String p : parts) {
                assertTrue(msg.contains(p), "\"" + p + "\" not in: " + msg);
            }
        }
    }

    /** CAVP's audio ResNet-18: conv1 of an ImageNet file becomes the RGB mean, once per audio channel. */
    @Test
    void rgbStemAdaptsToOneAndTwoAudioChannels() {
        float[] rgb = ResNetFile.find(TV, "conv1.weight").values(); // (16, 3, 7, 7)
        float[] mean = new float[16 * 49];
        for (int o = 0; o < 16; o++) {
            for (int k = 0; k < 49; k++) {
                mean[o * 49 + k] = (rgb[(o * 3) * 49 + k] + rgb[(o * 3 + 1) * 49 + k] + rgb[(o * 3 + 2) * 49 + k]) / 3f;
            }
        }
        for (int channels = 1; channels <= 2; channels++) {
            Recipe r = R.toBuilder().set("audio.backbone", "resnet18").set("audio.width", 16)
                    .set("audio.channels", channels).set("data.preset", channels == 2 ? "stereo" : "semantic").build();
            try (NDManager m = NDManager.newBaseManager()) {
                Weights w = new Weights(m.newSubManager(), 3);
                AudioBackbone audio = AvsModel.audioBackbone(r, w);
                WeightsReport rep = PretrainedLoader.load(w, "audio.backbone.", "audio backbone",
                        dir.resolve("timm.safetensors"), "auto");
                assertEquals(1, rep.adapted().size());
                assertEquals("(16, 3, 7, 7)", rep.adapted().get(0).found());
                assertEquals("(16, " + channels + ", 7, 7)", rep.adapted().get(0).expected());
                float[] got = param(w, "audio.backbone.conv1.weight");
                assertEquals(mean.length * channels, got.length);
                for (int o = 0; o < 16; o++) {
                    for (int c = 0; c < channels; c++) {
                        for (int k = 0; k < 49; k++) {
                            assertEquals(mean[o * 49 + k], got[(o * channels + c) * 49 + k], 1e-6f);
                        }
                    }
                }
                assertArrayEquals(ResNetFile.find(TV, "layer4.1.conv2.weight").values(),
                        param(w, "audio.backbone.layer4.1.conv2.weight"), 0f);
                // the encoder runs on the spectrogram: u_a at stride 32 (layer4), decoded map at stride 4
                AudioFeatures f = audio.forward(ModelTestUtil.random(m, new Shape(2, channels, 64, 64), 1), false);
                assertEquals(new Shape(2, r.decoder().hiddenDim(), 2, 2), f.featureMap().getShape());
                assertEquals(new Shape(2, r.queries().dim(), 16, 16), f.decoded().getShape());
                assertEquals(32, audio.tokenStride());
            }
        }
    }
}
