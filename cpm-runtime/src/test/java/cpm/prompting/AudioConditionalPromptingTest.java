package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class AudioConditionalPromptingTest {

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void lossMatchesAHandComputedCase() {
        try (NDManager m = NDManager.newBaseManager()) {
            // B=3, K=2, T=1, F=2; image 1's second prompt is padding, image 2 has no prompt at all
            NDArray logits = m.create(new float[] {1, -1, 0.5f, 2, 3, 0, 9, 9, 4, 4, 4, 4}, new Shape(3, 2, 1, 2));
            NDArray valid = m.create(new float[] {1, 1, 1, 0, 0, 0}, new Shape(3, 2));
            NDArray ratio = m.create(new float[] {0.8f, 0.1f, 0.5f, 1.0f, 0.3f, 0.3f}, new Shape(3, 1, 1, 2));
            double img0 = (Math.pow(sig(1.5) - 0.8, 2) + Math.pow(sig(1.0) - 0.1, 2)) / 2;
            double img1 = (Math.pow(sig(3) - 0.5, 2) + Math.pow(sig(0) - 1.0, 2)) / 2;
            double expected = (img0 + img1) / 2;
            assertEquals(expected, AudioConditionalPrompting.loss(logits, valid, ratio).getFloat(), 1e-6);
            // Eq. 5 as written: the per-image L2 norm of the error over the bins, averaged over images with a prompt
            double l2 = (Math.sqrt(2 * img0) + Math.sqrt(2 * img1)) / 2;
            assertEquals(l2, AudioConditionalPrompting.loss(logits, valid, ratio, true).getFloat(), 1e-6);
            // (B, T, F) targets are accepted too
            assertEquals(expected, AudioConditionalPrompting.loss(logits, valid, ratio.squeeze(1)).getFloat(), 1e-6);
        }
    }

    @Test
    void targetIsTheClampedRatioMask() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray clean = m.create(new float[] {1, 2, 0, 0.5f});
            NDArray mix = m.create(new float[] {2, 1, 0.5f, 1e-9f});
            assertArrayEquals(new float[] {0.5f, 1, 0, 0},
                    AudioConditionalPrompting.ratioMask(clean, mix, 1e-6).toFloatArray(), 1e-7f);
            // a_p = a_i + a_j with non-negative magnitudes: every target value lies in [0, 1]
            SplittableRandom r = new SplittableRandom(1);
            float[] a = new float[500];
            float[] b = new float[500];
            for (int i = 0; i < 500; i++) {
                a[i] = (float) (r.nextDouble() * r.nextDouble() * 10);
                b[i] = (float) (r.nextDouble() < 0.2 ? 0 : r.nextDouble() * 5);
            }
            NDArray ai = m.create(a);
            float[] t = AudioConditionalPrompting.ratioMask(ai, ai.add(m.create(b)), 1e-6).toFloatArray();
            for (int i = 0; i < 500; i++) {
                assertTrue(t[i] >= 0 && t[i] <= 1, "target " + t[i]);
                if (a[i] + b[i] > 1e-6) {
                    assertEquals(a[i] / (a[i] + b[i]), t[i], 1e-6);
                }
            }
        }
    }
}
