package cpm.prompting;

/**
 * The E-step of Eq. 3 in GMMSeg's form (classifier.em sinkhorn): a balanced hard assignment of a class's bank
 * samples to its M components. The component log-densities, scaled by their largest magnitude, become an
 * optimal-transport plan with equal mass per component by a few Sinkhorn-Knopp iterations (epsilon 0.05,
 * 3 iterations as in GMMSeg), and each sample goes to its plan's largest entry. Balancing keeps all M components in use: with plain responsibilities one component
 * took 95% of the weight and others collapsed into copies (docs/method.md). Written by hand: a few loops over an
 * n x M array, for which no library call is simpler.
 */
final class SinkhornAssignment {

    static final double EPSILON = 0.05;
    static final int ITERATIONS = 3;

    private SinkhornAssignment() {
    }

    /** Subtracts logsumexp + logCount from the {@code len} entries q[start + j * stride]. */
    private static void shift(double[] q, int start, int stride, int len, double logCount) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) {
            max = Math.max(max, q[start + j * stride]);
        }
        double s = 0;
        for (int j = 0; j < len; j++) {
            s += Math.exp(q[start + j * stride] - max);
        }
        double lse = max + Math.log(s) + logCount;
        for (int j = 0; j < len; j++) {
            q[start + j * stride] -= lse;
        }
    }

    /**
     * @param logp (n x M) component log-densities, row-major
     * @param resp (n x M) filled with the one-hot assignment
     */
    static void hard(double[] logp, int n, int m, double[] resp) {
        double scale = 0;
        for (double v : logp) {
            scale = Math.max(scale, Math.abs(v));
        }
        scale = scale > 0 ? scale : 1;
        // work in the log domain: log Q = logp / (scale * eps), then alternate row (component) and column (sample)
        // normalisation to marginals 1/M and 1/n
        double[] q = new double[n * m];
        for (int i = 0; i < q.length; i++) {
            q[i] = logp[i] / (scale * EPSILON);
        }
        for (int it = 0; it < ITERATIONS; it++) {
            // rows of the plan (components, stride m over samples) to mass 1/M, then columns (samples) to 1/n
            for (int k = 0; k < m; k++) {
                shift(q, k, m, n, Math.log(m));
            }
            for (int i = 0; i < n; i++) {
                shift(q, i * m, 1, m, Math.log(n));
            }
        }
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < m; k++) {
                if (q[i * m + k] > q[i * m + best]) {
                    best = k;
                }
            }
            for (int k = 0; k < m; k++) {
                resp[i * m + k] = k == best ? 1 : 0;
            }
        }
    }
}
