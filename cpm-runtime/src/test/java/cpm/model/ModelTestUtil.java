package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

final class ModelTestUtil {

    private ModelTestUtil() {
    }

    /** Uniform(-1, 1) values from a seeded Java generator. */
    static NDArray random(NDManager m, Shape s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return m.create(v, s);
    }

    static void assertFinite(NDArray a) {
        for (float f : a.toFloatArray()) {
            assertTrue(Float.isFinite(f), "non-finite value");
        }
    }
}
