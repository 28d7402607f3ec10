package cpm.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * At inference the decoder runs the class head only where the classes are read (after the audio layers, for the
 * coverage score, and after the last layer, for the merge): those class logits and every mask equal the ones of
 * the same pass with all heads (the decoder in training mode without dropout, on the same features).
 */
class InferenceHeadsTest {

    @Test
    void onlyTheReadLayersGetClassLogitsAndTheyAreUnchanged() {
        Engine.getInstance();
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(GradientCheckTest.small(), 3, new Weights(m.newSubManager(), 3));
            ImageFeatures img = model.encodeImage(ModelTestUtil.random(m, new Shape(2, 3, 64, 64), 1), false);
            AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 16, 16), 2), false);
            DecoderOutput all = model.decodeQueries(img, aud, true);   // dropout 0: the same arithmetic
            DecoderOutput inf = model.decodeQueries(img, aud, false);
            List<LayerOutput> a = all.layers();
            List<LayerOutput> b = inf.layers();
            assertEquals(a.size(), b.size());
            int after = inf.audioLayers();
            for (int i = 0; i < b.size(); i++) {
                assertArrayEquals(a.get(i).maskLogits().toFloatArray(), b.get(i).maskLogits().toFloatArray(), 0f,
                        "masks of layer " + i);
                assertNotNull(a.get(i).classLogits());
                if (i == after || i == b.size() - 1) {
                    assertArrayEquals(a.get(i).classLogits().toFloatArray(), b.get(i).classLogits().toFloatArray(),
                            0f, "classes of layer " + i);
                } else {
                    assertNull(b.get(i).classLogits(), "no class head at inference on layer " + i);
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
    }
}
