package cpm.nn;

import ai.djl.ndarray.NDArray;

import java.util.SplittableRandom;

/**
 * Inverted dropout whose masks come from a seeded Java generator, so a run repeats exactly given the seed and
 * the sequence of calls. Training reseeds it every step from (run.seed, step) ({@link #reseed}), so a resumed run
 * draws the same masks as an uninterrupted one. Identity when not training or when p = 0.
 */
public final class Dropout {

    private final float p;
    private SplittableRandom rng;

    public Dropout(float p, long seed) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = new SplittableRandom(seed);
    }

    /** Restarts the mask stream from {@code seed} (called once per training step with a seed of (run.seed, step)). */
    public synchronized void reseed(long seed) {
        this.rng = new SplittableRandom(seed);
    }

    public NDArray forward(NDArray x, boolean training) {
        if (!training || p == 0f) {
            return x;
        }
        float keep = 1f / (1f - p);
        float[] m = new float[(int) x.size()];
        synchronized (this) {
            for (int i = 0; i < m.length; i++) {
                m[i] = rng.nextDouble() < p ? 0f : keep;
            }
        }
        return x.mul(x.getManager().create(m, x.getShape()));
    }
}
