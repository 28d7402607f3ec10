package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Draws the class-conditional prompts z^k ~ p(z | k) from the CCDM mixtures (Sec. 3.2) for the sounding classes
 * K = {k : t_i(k) = 1} of each image; the same sampler serves VCP, ACP and the REPL. Prompts are detached
 * constants (plain arrays, no gradient).
 *
 * <p>Layout: image b's prompts are its classes in the given order, each repeated {@code promptsPerClass} times
 * (class-major), then zero rows up to Kmax = max_b |K_b| * promptsPerClass (at least 1, so no shape is empty).
 * {@link #promptClasses} gives the class of every slot (-1 for padding) and {@link #validMask} the (B, Kmax) 0/1
 * mask of real prompts.
 *
 * <p>cpm.promptSampling: fitted (the default) draws with the fitted variance and renormalises to the unit sphere
 * the mixture models ({@link GaussianMixture#sampleOnSphere}); floored draws with the floored variance as it is.
 *
 * <p>Randomness: the draws of a call depend on (seed, step) only, so a resumed run draws the same prompts. The
 * overload without a step numbers the calls itself.
 */
public final class PromptSampler {

    /** One batch of prompts: z (B, Kmax, Dq), valid (B, Kmax) float32 0/1, classes (B)(Kmax) with -1 padding. */
    public record Prompts(NDArray z, NDArray valid, int[][] classes) {
    }

    private final GaussianMixture gmm;
    private final long seed;
    private final boolean onSphere;
    private long calls;

    /** Draws with the floored variance, not renormalised (cpm.promptSampling floored). */
    public PromptSampler(GaussianMixture gmm, long seed) {
        this(gmm, seed, false);
    }

    /** @param onSphere cpm.promptSampling fitted: fitted variance, renormalised to the unit sphere */
    public PromptSampler(GaussianMixture gmm, long seed, boolean onSphere) {
        this.gmm = gmm;
        this.seed = seed;
        this.onSphere = onSphere;
    }

    /** Prompts for the given step (see the class comment for the layout). */
    public Prompts draw(int[][] classesPerImage, int promptsPerClass, NDManager m, long step) {
        int[][] cls = promptClasses(classesPerImage, promptsPerClass);
        int b = cls.length;
        int kmax = cls.length == 0 ? 1 : cls[0].length;
        int dim = gmm.dim();
        float[] z = new float[b * kmax * dim];
        SplittableRandom rng = new SplittableRandom(seed ^ (0xD1B54A32D192ED03L * (step + 1)));
        for (int i = 0; i < b; i++) {
            int k = 0;
            for (int c : classesPerImage[i]) {
                float[][] draws = drawClass(c, promptsPerClass, rng);
                for (float[] d : draws) {
                    System.arraycopy(d, 0, z, (i * kmax + k) * dim, dim);
                    k++;
                }
            }
        }
        NDArray zs = m.create(z, new Shape(b, kmax, dim));
        return new Prompts(zs, mask(cls, m), cls);
    }

    /** n prompts of one class from the given generator, drawn as training draws them (cpm.promptSampling). */
    public float[][] drawClass(int cls, int n, SplittableRandom rng) {
        return onSphere ? gmm.sampleOnSphere(cls, n, rng) : gmm.sample(cls, n, rng);
    }

    /** z (B, Kmax, Dq) for the given step; zero rows where padding. */
    public NDArray sample(int[][] classesPerImage, int promptsPerClass, NDManager m, long step) {
        Prompts p = draw(classesPerImage, promptsPerClass, m, step);
        p.valid().close();
        return p.z();
    }

    /** z (B, Kmax, Dq) for the next call of this sampler (calls numbered 0, 1, ...). */
    public NDArray sample(int[][] classesPerImage, int promptsPerClass, NDManager m) {
        return sample(classesPerImage, promptsPerClass, m, calls++);
    }

    /** The class of every prompt slot, -1 for padding: (B)(Kmax). */
    public static int[][] promptClasses(int[][] classesPerImage, int promptsPerClass) {
        if (promptsPerClass < 1) {
            throw new IllegalArgumentException("cpm.promptsPerClass: found " + promptsPerClass + ", expected >= 1");
        }
        int kmax = 1;
        for (int[] c : classesPerImage) {
            kmax = Math.max(kmax, c.length * promptsPerClass);
        }
        int[][] out = new int[classesPerImage.length][kmax];
        for (int i = 0; i < out.length; i++) {
            java.util.Arrays.fill(out[i], -1);
            int k = 0;
            for (int c : classesPerImage[i]) {
                for (int p = 0; p < promptsPerClass; p++) {
                    out[i][k++] = c;
                }
            }
        }
        return out;
    }

    /** (B, Kmax) float32, 1 where a slot holds a real prompt. */
    public static NDArray validMask(int[][] classesPerImage, int promptsPerClass, NDManager m) {
        return mask(promptClasses(classesPerImage, promptsPerClass), m);
    }

    private static NDArray mask(int[][] cls, NDManager m) {
        int kmax = cls.length == 0 ? 1 : cls[0].length;
        float[] v = new float[cls.length * kmax];
        for (int i = 0; i < cls.length; i++) {
            for (int k = 0; k < kmax; k++) {
                v[i * kmax + k] = cls[i][k] >= 0 ? 1 : 0;
            }
        }
        return m.create(v, new Shape(cls.length, kmax)).toType(DataType.FLOAT32, false);
    }
}
