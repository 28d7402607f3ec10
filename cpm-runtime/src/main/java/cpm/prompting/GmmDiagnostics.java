package cpm.prompting;

import java.util.SplittableRandom;

/**
 * What a person checks to see whether CCDM is a distribution model or has degenerated (docs/method.md, CCDM
 * numerics), read from the mixture, the memory bank and the classifier head:
 *
 * @param floorShare       share of the stored variances the floor dominates (clamp: held at the floor; add: smaller
 *                         than the epsilon added to them): near 1 means the covariance carries no information
 * @param maxComponentCos  the largest cosine between two component means of one fitted class: near 1 means the M
 *                         components collapsed into copies
 * @param bankAccuracy     share of the bank's class embeddings the head labels with their own class
 * @param noObjectAccuracy share of the no-object bank the head labels no-object (NaN with a linear no-object logit,
 *                         which needs the raw feature)
 * @param promptNorm       mean norm of prompts drawn for the fitted classes
 * @param promptPosterior  mean posterior of its own class at those prompts (the head's softmax, over the GMM's
 *                         classes): near 1 means a prompt carries its class
 */
public record GmmDiagnostics(double floorShare, double maxComponentCos, double bankAccuracy, double noObjectAccuracy,
                             double promptNorm, double promptPosterior) {

    /** Prompts drawn per fitted class for the prompt statistics. */
    static final int PROMPTS = 4;

    /** Diagnostics of a CCDM state; prompts are drawn as the sampler draws them, from a generator of their own. */
    public static GmmDiagnostics of(Ccdm ccdm, PromptSampler sampler, long seed) {
        GaussianMixture g = ccdm.mixture();
        GmmClassifier head = ccdm.classifier();
        int classes = g.classes();
        double floor = g.floor();
        boolean additive = g.config().additive();
        long atFloor = 0;
        long all = 0;
        double maxCos = Double.NaN;
        for (int c = 0; c < classes; c++) {
            for (double[] v : g.variances(c)) {
                for (double x : v) {
                    atFloor += (additive ? x < floor : x <= floor * (1 + 1e-6)) ? 1 : 0;
                    all++;
                }
            }
            if (!g.fitted(c)) {
                continue;
            }
            double[][] mu = g.means(c);
            for (int a = 0; a < mu.length; a++) {
                for (int b = a + 1; b < mu.length; b++) {
                    double cos = cosine(mu[a], mu[b]);
                    maxCos = Double.isNaN(maxCos) ? cos : Math.max(maxCos, cos);
                }
            }
        }
        int scored = head.linearNoObject() ? classes - 1 : classes;
        long right = 0;
        long seen = 0;
        long noRight = 0;
        long noSeen = 0;
        double norm = 0;
        double post = 0;
        int drawn = 0;
        for (int c = 0; c < scored; c++) {
            float[][] rows = ccdm.bank().samples(c);
            if (rows.length == 0) {
                continue;
            }
            for (float[] logits : head.headLogits(rows)) {
                boolean ok = argMax(logits) == c;
                if (c == classes - 1) {
                    noRight += ok ? 1 : 0;
                    noSeen++;
                } else {
                    right += ok ? 1 : 0;
                    seen++;
                }
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int c = 0; c < classes - 1; c++) {
            if (!g.fitted(c)) {
                continue;
            }
            float[][] z = sampler.drawClass(c, PROMPTS, rng);
            double[][] p = head.posterior(z);
            for (int i = 0; i < z.length; i++) {
                double n2 = 0;
                for (float v : z[i]) {
                    n2 += (double) v * v;
                }
                norm += Math.sqrt(n2);
                post += p[i][c];
                drawn++;
            }
        }
        return new GmmDiagnostics(all == 0 ? Double.NaN : atFloor / (double) all, maxCos,
                seen == 0 ? Double.NaN : right / (double) seen,
                head.linearNoObject() || noSeen == 0 ? Double.NaN : noRight / (double) noSeen,
                drawn == 0 ? Double.NaN : norm / drawn, drawn == 0 ? Double.NaN : post / drawn);
    }

    private static int argMax(float[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }

    static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(Math.max(aa * bb, 1e-300));
    }
}
