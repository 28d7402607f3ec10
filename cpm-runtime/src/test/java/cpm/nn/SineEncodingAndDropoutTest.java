package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SineEncodingAndDropoutTest {

    @Test
    void sineEncodingFollowsTheDetrFormula() {
        long h = 3;
        long w = 5;
        int d = 8;
        float[] v = SineEncoding.values(h, w, d);
        // DETR: y_embed = (y+1)/(h+eps)*2pi; dim_t[j] = 10000^(2*floor(j/2)/(d/2)); channel 2i sin, 2i+1 cos
        int y = 2;
        int x = 3;
        double ye = (y + 1) / (h + 1e-6) * 2 * Math.PI;
        double xe = (x + 1) / (w + 1e-6) * 2 * Math.PI;
        double[] want = {
            Math.sin(ye), Math.cos(ye), Math.sin(ye / 100), Math.cos(ye / 100),
            Math.sin(xe), Math.cos(xe), Math.sin(xe / 100), Math.cos(xe / 100)};
        for (int c = 0; c < d; c++) {
            assertEquals(want[c], v[(int) ((y * w + x) * d + c)], 1e-5, "channel " + c);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(new Shape(1, 15, 8), SineEncoding.tokens(m, h, w, d).getShape());
        }
    }

    @Test
    void dropoutIsSeededAndKeepsTheMean() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(100, 100));
            float[] a = new Dropout(0.25f, 7).forward(x, true).toFloatArray();
            float[] b = new Dropout(0.25f, 7).forward(x, true).toFloatArray();
            float[] c = new Dropout(0.25f, 8).forward(x, true).toFloatArray();
            assertArrayEquals(a, b);
            assertFalse(java.util.Arrays.equals(a, c));
            double sum = 0;
            int zeros = 0;
            for (float f : a) {
                sum += f;
                zeros += f == 0 ? 1 : 0;
                assertTrue(f == 0f || Math.abs(f - 4f / 3f) < 1e-6);
            }
            assertEquals(1.0, sum / a.length, 0.03);
            assertEquals(0.25, zeros / (double) a.length, 0.02);
            assertSame(x, new Dropout(0.25f, 7).forward(x, false));
        }
    }
}
