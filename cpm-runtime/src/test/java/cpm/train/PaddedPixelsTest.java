package cpm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import cpm.data.BatchLoader;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Padded pixels (data.resize pad, label {@link BatchLoader#IGNORE}) do not train: they belong to no target, and
 * whatever the model predicts there changes neither the mask losses nor any gradient.
 */
class PaddedPixelsTest {

    @Test
    void paddedPixelsAddNoLossAndNoGradient() {
        int c = 3, n = 3;
        long[] labels = new long[16];
        for (int i = 0; i < 16; i++) {
            labels[i] = i < 4 ? BatchLoader.IGNORE : (i % 4 < 2 ? 1 : 0); // row 0 padded
        }
        Recipe r = Recipe.builder("t").set("matcher.points", 0).build(); // every pixel scored
        SplittableRandom rnd = new SplittableRandom(5);
        float[] cls = new float[n * (c + 1)];
        float[] msk = new float[n * 16];
        for (int i = 0; i < cls.length; i++) {
            cls[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        for (int i = 0; i < msk.length; i++) {
            msk[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        int[][] targetOf = {{1, 0, -1}};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lab = m.create(labels, new Shape(1, 4, 4));
            Targets t = Targets.fromLabels(lab, c, 4, 4);
            assertArrayEquals(new int[]{0, 1}, t.classes(0), "the padding is no class");
            assertArrayEquals(new float[]{0, 0, 0, 0, 1, 1, 1, 1}, java.util.Arrays.copyOf(
                    t.valid().toFloatArray(), 8));
            float[] a = lossAndGradient(m, r, c, t, cls, msk, targetOf);
            float[] moved = msk.clone();
            for (int q = 0; q < n; q++) {
                for (int p = 0; p < 4; p++) {
                    moved[q * 16 + p] = 7f * (q - p); // other predictions on the padded row
                }
            }
            float[] b = lossAndGradient(m, r, c, t, cls, moved, targetOf);
            assertEquals(a[0], b[0], 0f, "focal");
            assertEquals(a[1], b[1], 0f, "dice");
            for (int q = 0; q < 2; q++) {
                double inside = 0;
                for (int p = 0; p < 16; p++) {
                    float g = a[2 + q * 16 + p];
                    if (p < 4) {
                        assertEquals(0f, g, 0f, "gradient on padded pixel " + p + " of query " + q);
                    }
                    inside += p >= 4 ? Math.abs(g) : 0;
                }
                assertTrue(inside > 0, "the frame's pixels train query " + q);
            }
            assertNull(Targets.fromLabels(m.create(new long[]{0, 1, 1, 0}, new Shape(1, 2, 2)), c, 2, 2).valid(),
                    "no padding, no change");
        }
    }

    /** {focal, dice, mask-logit gradient...} of the fixed-target loss. */
    private static float[] lossAndGradient(NDManager m, Recipe r, int c, Targets t, float[] cls, float[] msk,
                                           int[][] targetOf) {
        NDArray cl = m.create(cls, new Shape(1, 3, c + 1));
        NDArray ml = m.create(msk, new Shape(1, 3, 4, 4));
        ml.setRequiresGradient(true);
        float focal, dice;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            LossTerms lt = new SetCriterion(r, c, 3).directLoss(cl, ml, t, targetOf);
            focal = lt.focal().getFloat();
            dice = lt.dice().getFloat();
            gc.backward(lt.total());
        }
        float[] g = ml.getGradient().toFloatArray();
        float[] out = new float[2 + g.length];
        out[0] = focal;
        out[1] = dice;
        System.arraycopy(g, 0, out, 2, g.length);
        return out;
    }
}
