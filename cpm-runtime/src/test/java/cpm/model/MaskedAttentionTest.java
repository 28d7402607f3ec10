package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.nn.Dropout;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MaskedAttentionTest {

    @Test
    void queryIgnoresMemoryOutsideItsMask() {
        try (NDManager m = NDManager.newBaseManager()) {
            // previous mask logits at 8x8: query 0 covers the top-left quadrant, query 1 everything
            float[] logits = new float[2 * 64];
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    logits[y * 8 + x] = (y < 4 && x < 4) ? 3f : -3f;
                    logits[64 + y * 8 + x] = 2f;
                }
            }
            NDArray mask = TransformerDecoder.attentionMask(m.create(logits, new Shape(1, 2, 8, 8)), 4, 4);
            assertEquals(new Shape(1, 2, 16), mask.getShape());
            boolean[] blocked = mask.toBooleanArray();
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(!(y < 2 && x < 2), blocked[y * 4 + x], "query 0 at " + y + "," + x);
                    assertFalse(blocked[16 + y * 4 + x]);
                }
            }
            for (boolean pre : new boolean[] {false, true}) {
                AttentionLayer layer = new AttentionLayer(new Weights(m.newSubManager(), 5), 8, 2, pre, new Dropout(0f, 1));
                NDArray tgt = ModelTestUtil.random(m, new Shape(1, 2, 8), 1);
                NDArray qpos = ModelTestUtil.random(m, new Shape(1, 2, 8), 2);
                NDArray memA = ModelTestUtil.random(m, new Shape(1, 16, 8), 3);
                NDArray pos = ModelTestUtil.random(m, new Shape(1, 16, 8), 4);
                // memory B: every token outside query 0's region replaced
                float[] b = memA.toFloatArray();
                float[] noise = ModelTestUtil.random(m, new Shape(1, 16, 8), 9).toFloatArray();
                for (int t = 0; t < 16; t++) {
                    int y = t / 4;
                    int x = t % 4;
                    if (!(y < 2 && x < 2)) {
                        for (int c = 0; c < 8; c++) {
                            b[t * 8 + c] = 5 * noise[t * 8 + c];
                        }
                    }
                }
                NDArray memB = m.create(b, new Shape(1, 16, 8));
                NDArray outA = layer.cross(tgt, qpos, memA, pos, mask, false);
                NDArray outB = layer.cross(tgt, qpos, memB, pos, mask, false);
                assertArrayEquals(outA.get("0, 0").toFloatArray(), outB.get("0, 0").toFloatArray(), 1e-5f);
                float diff = outA.get("0, 1").sub(outB.get("0, 1")).abs().max().getFloat();
                assertTrue(diff > 1e-3, "query 1 attends everywhere and must change");
                // without the mask query 0 sees the change too
                NDArray freeA = layer.cross(tgt, qpos, memA, pos, null, false);
                NDArray freeB = layer.cross(tgt, qpos, memB, pos, null, false);
                assertTrue(freeA.get("0, 0").sub(freeB.get("0, 0")).abs().max().getFloat() > 1e-3);
            }
        }
    }
}
