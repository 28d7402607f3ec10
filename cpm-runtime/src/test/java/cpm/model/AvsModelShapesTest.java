package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class AvsModelShapesTest {

    static NDArray images(NDManager m, long b, long size, long seed) {
        return ModelTestUtil.random(m, new Shape(b, 3, size, size), seed);
    }

    @Test
    void tinyPresetShapes() {
        Recipe r = Presets.get("tiny");
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(r, 5, new Weights(m.newSubManager(), 1));
            ImageFeatures img = model.encodeImage(images(m, 2, 96, 3), false);
            assertEquals(new Shape(2, 64, 24, 24), img.maskFeatures().getShape());
            assertEquals(3, img.memories().size());
            long[][] sizes = {{3, 3}, {6, 6}, {12, 12}};
            for (int s = 0; s < 3; s++) {
                assertArrayEquals(sizes[s], img.memorySizes().get(s));
                assertEquals(new Shape(2, sizes[s][0] * sizes[s][1], 64), img.memories().get(s).getShape());
                assertEquals(new Shape(1, sizes[s][0] * sizes[s][1], 64), img.memoryPos().get(s).getShape());
            }
            AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 64, 64), 4), false);
            assertEquals(8, model.audioTokenStride());
            assertEquals(new Shape(2, 64, 64), aud.tokens().getShape());
            assertEquals(new Shape(1, 64, 64), aud.tokenPos().getShape());
            assertEquals(new Shape(2, 64, 8, 8), aud.featureMap().getShape());
            assertEquals(new Shape(2, 64, 16, 16), aud.decoded().getShape());

            DecoderOutput out = model.decodeQueries(img, aud, false);
            assertEquals(1 + 1 + 3, out.layers().size());
            assertSame(out.layers().get(1), out.afterAudio());
            for (LayerOutput l : out.layers()) {
                assertEquals(new Shape(2, 12, 64), l.queries().getShape());
                assertEquals(new Shape(2, 12, 64), l.maskEmbed().getShape());
                assertEquals(new Shape(2, 12, 24, 24), l.maskLogits().getShape());
                if (l == out.afterAudio() || l == out.last()) { // the layers inference reads classes from
                    assertEquals(new Shape(2, 12, 6), l.classLogits().getShape());
                }
                ModelTestUtil.assertFinite(l.maskLogits());
            }

            NDArray prompts = ModelTestUtil.random(m, new Shape(2, 3, 64), 5);
            NDArray classes = m.create(new long[] {1, 2, 4, 0, 3, 3}, new Shape(2, 3));
            DecoderOutput po = model.decodePrompts(prompts, classes, img, aud, false);
            assertEquals(new Shape(2, 3, 24, 24), po.last().maskLogits().getShape());
            assertEquals(new Shape(2, 3, 6), po.last().classLogits().getShape());
            assertEquals(new Shape(2, 3, 64, 64), model.audioMasks(po.last().maskEmbed(), aud, 64, 64).getShape());
            NDArray pts = model.pointPrompts(classes);
            assertEquals(new Shape(2, 3, 64), pts.getShape());
            NDArray table = model.weights().entries().get("pointRep").array();
            assertArrayEquals(table.get(3).toFloatArray(), pts.get("1, 1").toFloatArray());
            assertArrayEquals(table.get(3).toFloatArray(), pts.get("1, 2").toFloatArray());
            assertArrayEquals(table.get(4).toFloatArray(), pts.get("0, 2").toFloatArray());
            assertTrue(model.flopsPerImage() > 0);
        }
    }

    @Test
    void resnet50VariantShapes() {
        Recipe r = Presets.get("tiny").toBuilder().set("image.backbone", "resnet50").set("image.width", 0.125)
                .set("image.size", 64).set("audio.backbone", "resnet").set("audio.width", 8)
                .set("pixelDecoder.scales", 2).set("decoder.norm", "pre").build();
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(r, 4, new Weights(m.newSubManager(), 1));
            assertArrayEquals(new long[] {32, 64, 128, 256}, model.imageBackbone().outChannels());
            assertTrue(model.weights().entries().containsKey("backbone.layer1.0.downsample.0.weight"));
            assertTrue(model.weights().entries().containsKey("backbone.layer4.2.conv3.weight"));
            ImageFeatures img = model.encodeImage(images(m, 2, 64, 3), false);
            assertEquals(new Shape(2, 64, 16, 16), img.maskFeatures().getShape());
            assertEquals(2, img.memories().size());
            assertArrayEquals(new long[] {2, 2}, img.memorySizes().get(0));
            assertArrayEquals(new long[] {4, 4}, img.memorySizes().get(1));
            AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 64, 64), 4), false);
            assertEquals(new Shape(2, 64, 16, 16), aud.decoded().getShape());
            DecoderOutput out = model.decodeQueries(img, aud, false);
            assertEquals(5, out.layers().size());
            assertEquals(new Shape(2, 12, 16, 16), out.last().maskLogits().getShape());
            assertEquals(new Shape(2, 12, 5), out.last().classLogits().getShape());
            ModelTestUtil.assertFinite(out.last().maskLogits());
        }
    }

    @Test
    void largeSpectrogramsUseStride16Tokens() {
        Recipe r = Presets.get("tiny").toBuilder().set("audio.frames", 0).set("audio.bins", 0)
                .set("audio.hop", 80).set("audio.nFft", 1024).build();
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(r, 3, new Weights(m.newSubManager(), 1));
            // 1 s at 16 kHz, hop 80 -> 201 frames, nFft 1024 -> 513 bins: 26 x 65 tokens at stride 8 (> 1024)
            assertEquals(16, model.audioTokenStride());
            AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(1, 1, 201, 513), 4), false);
            assertEquals(new Shape(1, 64, 13, 33), aud.featureMap().getShape());
            assertEquals(new Shape(1, 13 * 33, 64), aud.tokens().getShape());
            assertEquals(new Shape(1, 64, 51, 129), aud.decoded().getShape());
            // the paper-scale default (101 x 257 -> 13 x 33 tokens) stays at stride 8
            AvsModel small = new AvsModel(Presets.get("tiny").toBuilder().set("audio.frames", 0).set("audio.bins", 0)
                    .build(), 3, new Weights(m.newSubManager(), 1));
            assertEquals(8, small.audioTokenStride());
        }
    }

    @Test
    void frozenStagesGetNoGradient() {
        Recipe r = Presets.get("tiny").toBuilder().set("image.frozenStages", 2).set("image.norm", "batch")
                .set("image.size", 64).build();
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(m.newSubManager(), 1);
            AvsModel model = new AvsModel(r, 3, w);
            Map<String, NDArray> trainable = w.trainable();
            assertFalse(trainable.containsKey("backbone.conv1.weight"));
            assertFalse(trainable.containsKey("backbone.bn1.gamma"));
            assertFalse(trainable.containsKey("backbone.layer1.1.conv2.weight"));
            assertTrue(trainable.containsKey("backbone.layer2.0.conv1.weight"));
            assertEquals("backbone", w.entries().get("backbone.layer2.0.conv1.weight").group());
            assertEquals("default", w.entries().get("decoder.outNorm.gamma").group());
            NDArray frozenMean = w.entries().get("backbone.layer1.0.bn1.runningMean").array();
            NDArray liveMean = w.entries().get("backbone.layer2.0.bn1.runningMean").array();
            float[] before = frozenMean.toFloatArray();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ImageFeatures img = model.encodeImage(images(m, 2, 64, 3), true);
                AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 64, 64), 4), true);
                DecoderOutput out = model.decodeQueries(img, aud, true);
                gc.backward(out.last().maskLogits().mean().add(out.last().classLogits().mean()));
            }
            NDArray frozen = w.entries().get("backbone.layer1.0.conv1.weight").array();
            assertFalse(frozen.hasGradient() && frozen.getGradient().abs().sum().getFloat() > 0);
            assertTrue(w.entries().get("backbone.conv1.weight").array().hasGradient() == false
                    || w.entries().get("backbone.conv1.weight").array().getGradient().abs().sum().getFloat() == 0f);
            for (String k : new String[] {"backbone.layer2.0.conv1.weight", "backbone.layer4.1.conv2.weight",
                    "pixelDecoder.lateral0.weight", "audio.backbone.stage1.conv0.weight", "queryFeat",
                    "decoder.audio0.cross.attn.q.weight", "decoder.visual2.ffn.linear2.weight", "classHead.weight"}) {
                NDArray g = trainable.get(k).getGradient();
                assertTrue(g.abs().sum().getFloat() > 0, k + " has a zero gradient");
            }
            assertArrayEquals(before, frozenMean.toFloatArray(), "frozen stage's batch statistics moved");
            assertFalse(java.util.Arrays.equals(new float[(int) liveMean.size()], liveMean.toFloatArray()),
                    "trainable stage's batch statistics did not update");
        }
    }

    @Test
    void frozenBatchNormFreezesTheAffine() {
        Recipe r = Presets.get("tiny").toBuilder().set("image.norm", "frozen-batch").build();
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(m.newSubManager(), 1);
            new AvsModel(r, 3, w);
            assertFalse(w.trainable().containsKey("backbone.layer3.1.bn2.gamma"));
            assertFalse(w.trainable().containsKey("backbone.layer3.0.downsample.1.beta"));
            assertTrue(w.trainable().containsKey("backbone.layer3.1.conv2.weight"));
        }
    }

    @Test
    void sameSeedSameOutputsOtherSeedOthers() {
        Recipe r = Presets.get("tiny").toBuilder().set("image.size", 64).set("decoder.dropout", 0.1).build();
        try (NDManager m = NDManager.newBaseManager()) {
            float[] a = run(r, m, 11);
            float[] b = run(r, m, 11);
            float[] c = run(r, m, 12);
            assertArrayEquals(a, b);
            assertFalse(java.util.Arrays.equals(a, c));
        }
    }

    @Test
    void maskedAttentionIsWiredIntoTheVisualLayers() {
        Recipe r = Presets.get("tiny").toBuilder().set("image.size", 64).build();
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderOutput[] outs = new DecoderOutput[2];
            for (int i = 0; i < 2; i++) {
                AvsModel model = new AvsModel(r.with("decoder.maskedAttention", i == 0), 3, new Weights(m.newSubManager(), 5));
                ImageFeatures img = model.encodeImage(images(m, 2, 64, 3), false);
                AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 64, 64), 4), false);
                outs[i] = model.decodeQueries(img, aud, false);
            }
            // identical up to the audio layers, different once the first visual layer applies its mask
            assertArrayEquals(outs[0].afterAudio().maskLogits().toFloatArray(), outs[1].afterAudio().maskLogits().toFloatArray());
            assertTrue(outs[0].layers().get(2).maskLogits().sub(outs[1].layers().get(2).maskLogits()).abs().max()
                    .getFloat() > 1e-4);
        }
    }

    private static float[] run(Recipe r, NDManager m, long seed) {
        AvsModel model = new AvsModel(r, 3, new Weights(m.newSubManager(), seed));
        ImageFeatures img = model.encodeImage(images(m, 2, 64, 3), true);
        AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 64, 64), 4), true);
        DecoderOutput out = model.decodeQueries(img, aud, true);
        return out.last().maskLogits().concat(out.afterAudio().maskLogits(), 1).toType(DataType.FLOAT32, false)
                .toFloatArray();
    }
}
