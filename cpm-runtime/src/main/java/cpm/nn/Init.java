package cpm.nn;

import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Parameter initialisers. Values are drawn in Java from a generator seeded by (run seed, parameter name), so a
 * parameter's initial value does not depend on the order in which the model was built.
 */
@FunctionalInterface
public interface Init {

    float[] values(Shape shape, SplittableRandom rng);

    static Init constant(float v) {
        return (s, r) -> {
            float[] a = new float[(int) s.size()];
            java.util.Arrays.fill(a, v);
            return a;
        };
    }

    static Init zeros() {
        return constant(0f);
    }

    static Init ones() {
        return constant(1f);
    }

    /** Normal(0, std^2), by Box-Muller on the seeded generator. */
    static Init normal(double std) {
        return (s, r) -> {
            float[] a = new float[(int) s.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (gaussian(r) * std);
            }
            return a;
        };
    }

    static Init uniform(double bound) {
        return (s, r) -> {
            float[] a = new float[(int) s.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
            return a;
        };
    }

    /** He initialisation for ReLU layers: std = sqrt(2 / fanIn). */
    static Init kaiming(long fanIn) {
        return normal(Math.sqrt(2.0 / fanIn));
    }

    /** Glorot uniform: bound = sqrt(6 / (fanIn + fanOut)). */
    static Init xavier(long fanIn, long fanOut) {
        return uniform(Math.sqrt(6.0 / (fanIn + fanOut)));
    }

    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
