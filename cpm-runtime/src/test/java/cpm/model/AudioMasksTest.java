package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Presets;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AudioMasksTest {

    @Test
    void audioMasksAreDotProductsWithTheDecodedMap() {
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(Presets.get("tiny"), 3, new Weights(m.newSubManager(), 1));
            AudioFeatures aud = model.encodeAudio(ModelTestUtil.random(m, new Shape(2, 1, 64, 64), 4), false);
            NDArray emb = ModelTestUtil.random(m, new Shape(2, 3, 64), 8);
            NDArray masks = model.audioMasks(emb, aud, 16, 16);
            assertEquals(new Shape(2, 3, 16, 16), masks.getShape());
            float[] e = emb.toFloatArray();
            float[] d = aud.decoded().toFloatArray();
            float[] got = masks.toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < 3; k++) {
                    for (int p = 0; p < 256; p++) {
                        double s = 0;
                        for (int c = 0; c < 64; c++) {
                            s += (double) e[(b * 3 + k) * 64 + c] * d[(b * 64 + c) * 256 + p];
                        }
                        assertEquals(s, got[(b * 3 + k) * 256 + p], 1e-3 * Math.max(1, Math.abs(s)));
                    }
                }
            }
            NDArray full = model.audioMasks(emb, aud, 64, 64);
            assertEquals(new Shape(2, 3, 64, 64), full.getShape());
            // bilinear (align_corners = false): output (4i+4, 13) samples input (i + 0.625, 2.875) of batch 0, prompt 0
            float[] f = full.toFloatArray();
            for (int i = 0; i < 15; i++) {
                double top = 0.125 * got[i * 16 + 2] + 0.875 * got[i * 16 + 3];
                double bottom = 0.125 * got[(i + 1) * 16 + 2] + 0.875 * got[(i + 1) * 16 + 3];
                double want = 0.375 * top + 0.625 * bottom;
                assertEquals(want, f[(4 * i + 4) * 64 + 13], 1e-4 * Math.max(1, Math.abs(want)));
            }
        }
    }
}
