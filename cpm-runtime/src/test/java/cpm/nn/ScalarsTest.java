package cpm.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ScalarsTest {

    /** The scalar saved by autograd survives garbage collection between forward and backward. */
    @Test
    void gradientThroughScalarSurvivesGc() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int round = 0; round < 5; round++) {
                NDArray x = m.create(new float[] {1f, 2f, 3f});
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = x.mul(Scalars.of(2.5 + round)).div(Scalars.of(0.5)).sum();
                    for (int i = 0; i < 3; i++) {
                        byte[][] junk = new byte[2000][];
                        for (int j = 0; j < junk.length; j++) {
                            junk[j] = new byte[4096];
                        }
                        System.gc();
                    }
                    gc.backward(y);
                }
                float expected = (float) ((2.5 + round) / 0.5);
                assertArrayEquals(new float[] {expected, expected, expected}, x.getGradient().toFloatArray(), 1e-6f);
            }
        }
    }

    @Test
    void scalarsOutliveStepScopes() {
        NDArray s;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            s = Scalars.of(12345.0);
        }
        assertEquals(12345f, s.getFloat());
        assertSame(s, Scalars.of(12345.0));
    }
}
