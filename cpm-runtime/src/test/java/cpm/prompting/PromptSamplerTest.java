package cpm.prompting;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PromptSamplerTest {

    @Test
    void layoutPaddingValidityAndSeeding() {
        GaussianMixture g = GaussianMixtureTest.randomMixture(5, 2, 3, "diagonal", 4);
        PromptSampler s = new PromptSampler(g, 9);
        int[][] classes = {{1, 3}, {}, {2}};
        try (NDManager m = NDManager.newBaseManager()) {
            PromptSampler.Prompts p = s.draw(classes, 2, m, 7);
            assertEquals(new ai.djl.ndarray.types.Shape(3, 4, 3), p.z().getShape());
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0}, p.valid().toFloatArray());
            assertArrayEquals(new int[] {1, 1, 3, 3}, p.classes()[0]);
            assertArrayEquals(new int[] {-1, -1, -1, -1}, p.classes()[1]);
            assertArrayEquals(new int[] {2, 2, -1, -1}, p.classes()[2]);
            float[] z = p.z().toFloatArray();
            for (int i = 12; i < 24; i++) {
                assertEquals(0f, z[i], "image 1 is all padding");
            }
            for (int i = 30; i < 36; i++) {
                assertEquals(0f, z[i], "padding rows of image 2");
            }
            // the draws are the mixture's draws for (seed, step)
            SplittableRandom r = new SplittableRandom(9 ^ (0xD1B54A32D192ED03L * 8));
            float[][] c1 = g.sample(1, 2, r);
            float[][] c3 = g.sample(3, 2, r);
            float[][] c2 = g.sample(2, 2, r);
            assertArrayEquals(c1[1], java.util.Arrays.copyOfRange(z, 3, 6));
            assertArrayEquals(c3[0], java.util.Arrays.copyOfRange(z, 6, 9));
            assertArrayEquals(c2[1], java.util.Arrays.copyOfRange(z, 27, 30));
            assertArrayEquals(z, s.sample(classes, 2, m, 7).toFloatArray(), "same step, same prompts");
            assertFalse(java.util.Arrays.equals(z, s.sample(classes, 2, m, 8).toFloatArray()));
            assertArrayEquals(p.valid().toFloatArray(), PromptSampler.validMask(classes, 2, m).toFloatArray());
            // the counter overload numbers its calls 0, 1, ...
            PromptSampler t = new PromptSampler(g, 9);
            assertArrayEquals(s.sample(classes, 1, m, 0).toFloatArray(), t.sample(classes, 1, m).toFloatArray());
            assertArrayEquals(s.sample(classes, 1, m, 1).toFloatArray(), t.sample(classes, 1, m).toFloatArray());
        }
    }
}
