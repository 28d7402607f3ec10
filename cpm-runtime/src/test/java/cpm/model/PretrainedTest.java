package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PretrainedTest {

    static final Recipe RECIPE = Presets.get("tiny").toBuilder().set("image.norm", "batch").set("image.size", 64).build();

    /** The backbone's arrays under torchvision names, running statistics made non-trivial first. */
    static NDList torchvisionArrays(AvsModel model, NDManager m, boolean dropConv) {
        NDList list = new NDList();
        int i = 0;
        for (Map.Entry<String, Weights.Entry> e : model.weights().entries().entrySet()) {
            if (!e.getKey().startsWith("backbone.")) {
                continue;
            }
            String key = PretrainedLoader.torchName(e.getKey().substring("backbone.".length()));
            NDArray a = e.getValue().array();
            NDArray copy = m.create(a.toFloatArray(), a.getShape());
            if (key.endsWith("running_mean") || key.endsWith("running_var")) {
                copy = ModelTestUtil.random(m, a.getShape(), i++).abs().add(0.5f);
            }
            if (dropConv && key.equals("layer1.0.conv1.weight")) {
                continue;
            }
            copy.setName(key);
            list.add(copy);
        }
        NDArray fc = m.zeros(new Shape(10, 4));
        fc.setName("fc.weight");
        list.add(fc);
        return list;
    }

    static void write(NDList list, Path file) throws IOException {
        try (var out = Files.newOutputStream(file)) {
            list.encode(out, NDList.Encoding.NPZ);
        }
    }

    @Test
    void roundTripThroughNpz(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel a = new AvsModel(RECIPE, 3, new Weights(m.newSubManager(), 1));
            NDList arrays = torchvisionArrays(a, m, false);
            Path file = dir.resolve("resnet18.npz");
            write(arrays, file);
            // give model a the same running statistics, then compare with a fresh model loading the file
            a.loadPretrained(file);
            AvsModel b = new AvsModel(RECIPE, 3, new Weights(m.newSubManager(), 2));
            NDArray images = ModelTestUtil.random(m, new Shape(2, 3, 64, 64), 7);
            List<NDArray> before = b.imageBackbone().forward(images, false);
            List<NDArray> fa = a.imageBackbone().forward(images, false);
            assertFalse(java.util.Arrays.equals(fa.get(3).toFloatArray(), before.get(3).toFloatArray()));
            b.loadPretrained(file);
            List<NDArray> fb = b.imageBackbone().forward(images, false);
            for (int s = 0; s < 4; s++) {
                assertArrayEquals(fa.get(s).toFloatArray(), fb.get(s).toFloatArray(), 0f);
            }
            assertArrayEquals(arrays.get("bn1.running_mean").toFloatArray(),
                    b.weights().entries().get("backbone.bn1.runningMean").array().toFloatArray());
            // the recipe field loads it at construction
            AvsModel c = new AvsModel(RECIPE.with("image.pretrained", file.toString()), 3, new Weights(m.newSubManager(), 3));
            assertArrayEquals(fa.get(3).toFloatArray(), c.imageBackbone().forward(images, false).get(3).toFloatArray(), 0f);
        }
    }

    @Test
    void audioEncoderRoundTrip(@TempDir Path dir) throws IOException {
        Recipe r = RECIPE.toBuilder().set("audio.backbone", "resnet").build();
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel a = new AvsModel(r, 3, new Weights(m.newSubManager(), 1));
            NDList list = new NDList();
            for (Map.Entry<String, Weights.Entry> e : a.weights().entries().entrySet()) {
                if (e.getKey().startsWith("audio.backbone.")) {
                    NDArray copy = m.create(e.getValue().array().toFloatArray(), e.getValue().array().getShape());
                    copy.setName(PretrainedLoader.torchName(e.getKey().substring("audio.backbone.".length())));
                    list.add(copy);
                }
            }
            assertNotNull(list.get("layer1.0.downsample.0.weight"));
            Path file = dir.resolve("audio.npz");
            write(list, file);
            AvsModel b = new AvsModel(r.with("audio.pretrained", file.toString()), 3, new Weights(m.newSubManager(), 2));
            for (String k : new String[] {"audio.backbone.conv1.weight", "audio.backbone.layer3.0.bn2.gamma"}) {
                assertArrayEquals(a.weights().entries().get(k).array().toFloatArray(),
                        b.weights().entries().get(k).array().toFloatArray(), k);
            }
            assertFalse(java.util.Arrays.equals(a.weights().entries().get("audio.proj.weight").array().toFloatArray(),
                    b.weights().entries().get("audio.proj.weight").array().toFloatArray()));
        }
    }

    @Test
    void missingOrMisShapedKeyIsAClearError(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel a = new AvsModel(RECIPE, 3, new Weights(m.newSubManager(), 1));
            Path file = dir.resolve("partial.npz");
            write(torchvisionArrays(a, m, true), file);
            AvsModel b = new AvsModel(RECIPE, 3, new Weights(m.newSubManager(), 2));
            float[] before = b.weights().entries().get("backbone.conv1.weight").array().toFloatArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadPretrained(file));
            assertTrue(e.getMessage().contains("partial.npz"), e.getMessage());
            assertTrue(e.getMessage().contains("layer1.0.conv1.weight"), e.getMessage());
            // nothing copied before the check failed
            assertArrayEquals(before, b.weights().entries().get("backbone.conv1.weight").array().toFloatArray());

            NDList wrong = torchvisionArrays(a, m, false);
            NDList fixed = new NDList();
            for (NDArray x : wrong) {
                if (x.getName().equals("layer2.0.conv2.weight")) {
                    NDArray y = m.zeros(new Shape(1, 2, 3, 3));
                    y.setName(x.getName());
                    fixed.add(y);
                } else {
                    fixed.add(x);
                }
            }
            Path bad = dir.resolve("bad.npz");
            write(fixed, bad);
            e = assertThrows(IllegalArgumentException.class, () -> b.loadPretrained(bad));
            assertTrue(e.getMessage().contains("bad.npz") && e.getMessage().contains("layer2.0.conv2.weight")
                    && e.getMessage().contains("(1, 2, 3, 3)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.loadPretrained(dir.resolve("none.npz")));
            assertTrue(e.getMessage().contains("none.npz"), e.getMessage());
        }
    }
}
