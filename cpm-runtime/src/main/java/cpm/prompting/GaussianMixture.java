package cpm.prompting;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Class-conditional distribution modelling (CCDM, Sec. 3.2, Eq. 1-4): for every class c in 0..C (index C is
 * the no-object class) a mixture of M Gaussians over L2-normalised D-dimensional mask embeddings, with
 * diagonal (default) or full covariance.
 *
 * <p>Parameters are kept in double arrays whose values are always exactly representable in float32 (each update
 * rounds them), so {@link #state()} as float arrays is an exact checkpoint. Before a class's first fit its means
 * are a seeded normal draw (normalised to unit length), its variances 1 and its weights equal, so prompts exist
 * from step one (docs/method.md). The first EM fit of a class replaces that random initialisation; later fits
 * are blended with momentum: new = momentum * old + (1 - momentum) * EM.
 *
 * <p>The variance floor: diagonal variances are clamped to at least the floor (the exact constrained M-step, so
 * EM stays monotone); a full covariance gets the floor added to its diagonal (keeps it positive definite).
 * {@link #configure} switches to GMMSeg's form (classifier.variance add): the fitted variance is stored as it is
 * and the floor is added as an epsilon wherever a density is evaluated, so sampling can use the fitted spread.
 * It also chooses the per-class score (logsumexp over weighted components, Eq. 2, or the max over components,
 * GMMSeg), unit-length means, what classes hold before their first fit, and the M-step's assignment.
 */
public final class GaussianMixture {

    static final double LOG_2PI = Math.log(2 * Math.PI);
    static final double MIN_WEIGHT = 1e-10;
    /** A component with less responsibility than this keeps its mean and covariance in the M-step. */
    static final double EMPTY = 1e-8;

    private final int classes;
    private final int components;
    private final int dim;
    private final boolean full;
    private final double floor;
    private double momentum;
    private Config config = Config.LEGACY;

    private final double[][] weights;   // [class][m]
    private final double[][] means;     // [class][m * D + d]
    private final double[][] cov;       // diagonal: [class][m * D + d]; full: [class][m * D * D + i * D + j]
    private final boolean[] fitted;

    // Derived per class, rebuilt lazily after an update: full covariance Cholesky factors L (Sigma = L L^T).
    private final double[][] chol;
    private float[][] tensorCache;
    private final double[][] lastTrace; // per class: mean log-likelihood at the start of each EM iteration of its last fit      // constants of logLikelihood (see buildTensorCache); null when stale

    /**
     * How the mixture is evaluated and fitted (the classifier.* choices of the recipe).
     *
     * @param additive   sigma^2 = var + floor (true) or max(var, floor) (false)
     * @param maxScore   per-class score max_m log N(x; mu_m, Sigma_m) (GMMSeg) instead of logsumexp_m (log pi + ..)
     * @param unitMeans  component means renormalised to unit length after every fit (GMMSeg)
     * @param unfitted   "unit" (variance 1 before the first fit), "shared" or "mask" (1/D, then the fitted classes'
     *                   mean variance)
     * @param sinkhorn   M-step on a Sinkhorn-balanced hard assignment (GMMSeg) instead of the responsibilities
     * @param blendFirstFit the first fit of a class is blended with momentum into the seeded random
     *                   initialisation (GMMSeg's means start random and move with momentum) instead of replacing it
     */
    public record Config(boolean additive, boolean maxScore, boolean unitMeans, String unfitted, boolean sinkhorn,
                         boolean blendFirstFit) {
        /**
         * The estimator before the GMMSeg rework: clamped variances, logsumexp, soft EM, variance 1 unfitted, the
         * first fit replacing the initialisation.
         */
        public static final Config LEGACY = new Config(false, false, false, "unit", false, false);

        public Config {
            if (!List.of("unit", "shared", "mask").contains(unfitted)) {
                throw new IllegalArgumentException("classifier.unfitted: found '" + unfitted
                        + "', expected unit, shared or mask");
            }
        }
    }

    /** Plain EM (momentum 0): the ordinary estimator; {@link Ccdm} sets the recipe's momentum. */
    public GaussianMixture(int classes, int components, int dim, String covariance, double varianceFloor, long seed) {
        this(classes, components, dim, covariance, varianceFloor, 0.0, seed);
    }

    public GaussianMixture(int classes, int components, int dim, String covariance, double varianceFloor,
                           double momentum, long seed) {
        if (classes < 1 || components < 1 || dim < 1) {
            throw new IllegalArgumentException("GaussianMixture: classes, components and dim must be >= 1, found "
                    + classes + ", " + components + ", " + dim);
        }
        if (!"diagonal".equals(covariance) && !"full".equals(covariance)) {
            throw new IllegalArgumentException("classifier.covariance: found '" + covariance
                    + "', expected diagonal or full");
        }
        if (!(varianceFloor > 0)) {
            throw new IllegalArgumentException("classifier.varianceFloor: found " + varianceFloor + ", expected > 0");
        }
        this.classes = classes;
        this.components = components;
        this.dim = dim;
        this.full = "full".equals(covariance);
        this.floor = varianceFloor;
        setMomentum(momentum);
        this.weights = new double[classes][components];
        this.means = new double[classes][components * dim];
        this.cov = new double[classes][components * (full ? dim * dim : dim)];
        this.fitted = new boolean[classes];
        this.chol = new double[classes][];
        this.lastTrace = new double[classes][0];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int c = 0; c < classes; c++) {
            Arrays.fill(weights[c], f(1.0 / components));
            for (int m = 0; m < components; m++) {
                double norm = 0;
                double[] v = new double[dim];
                for (int d = 0; d < dim; d++) {
                    v[d] = gaussian(rng);
                    norm += v[d] * v[d];
                }
                norm = Math.sqrt(norm);
                for (int d = 0; d < dim; d++) {
                    means[c][m * dim + d] = f(v[d] / norm);
                    if (full) {
                        cov[c][m * dim * dim + d * dim + d] = 1.0;
                    } else {
                        cov[c][m * dim + d] = 1.0;
                    }
                }
            }
        }
    }

    public int classes() {
        return classes;
    }

    public int components() {
        return components;
    }

    public int dim() {
        return dim;
    }

    public boolean fullCovariance() {
        return full;
    }

    /**
     * Switches the estimator's form; unfitted classes take the variance the new form gives them. Call before
     * training (a checkpoint's state is loaded after it).
     */
    public synchronized void configure(Config c) {
        this.config = c;
        double init = c.unfitted().equals("unit") ? 1.0 : f(1.0 / dim);
        for (int cls = 0; cls < classes; cls++) {
            if (!fitted[cls]) {
                setUnfittedVariance(cls, init);
            }
        }
        tensorCache = null;
    }

    public Config config() {
        return config;
    }

    /** The floor, used as an additive epsilon or as a clamp (see {@link Config#additive}). */
    public double floor() {
        return floor;
    }

    /** What is added to every stored diagonal variance when a density is evaluated. */
    double epsilon() {
        return config.additive() && !full ? floor : 0.0;
    }

    private void setUnfittedVariance(int cls, double v) {
        for (int m = 0; m < components; m++) {
            for (int d = 0; d < dim; d++) {
                if (full) {
                    cov[cls][m * dim * dim + d * dim + d] = v;
                } else {
                    cov[cls][m * dim + d] = v;
                }
            }
        }
        invalidate(cls);
    }

    /**
     * Gives every class not yet fitted the mean stored variance of the fitted ones (classifier.unfitted shared or
     * mask), so a class fitted late is not scored against the prior's unrelated spread: with a fixed variance of 1
     * against fitted variances of 0.001-0.05 a fitted class outscored an unfitted one by 0.5 D ln(1 / sigma^2) nats
     * whatever the distance (docs/method.md). No-op in the unit form or while nothing is fitted.
     */
    public void shareVariance() {
        if (config.unfitted().equals("unit") || full) {
            return;
        }
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            if (fitted[c]) {
                for (double v : cov[c]) {
                    sum += v;
                }
                n += cov[c].length;
            }
        }
        if (n == 0) {
            return;
        }
        double mean = f(sum / n);
        for (int c = 0; c < classes; c++) {
            if (!fitted[c]) {
                setUnfittedVariance(c, mean);
            }
        }
    }

    public double momentum() {
        return momentum;
    }

    public void setMomentum(double momentum) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("classifier.momentum: found " + momentum + ", expected in [0, 1]");
        }
        this.momentum = momentum;
    }

    /** Whether the class has had at least one EM fit. */
    public boolean fitted(int cls) {
        return fitted[checkClass(cls)];
    }

    // ------------------------------------------------------------------------------------------------------
    // Log-likelihood on the engine (Eq. 2), differentiable w.r.t. x

    /**
     * log p(x | c) for every class (Eq. 2): logsumexp_m(log pi_cm + log N(x; mu_cm, Sigma_cm)), numerically stable
     * (max-shifted), differentiable w.r.t. x; the parameters enter as constants. The squared Mahalanobis terms of
     * all (class, component) pairs come from matrix products, with no loop over classes.
     *
     * @param x (P, D), float32 or float64, on any manager (the result lives there too)
     * @return (P, C + 1) in x's data type
     */
    /**
     * The class posterior p(c | z) of Eq. 1 (uniform prior) for a few points, e.g. sampled prompts: row i holds
     * the C+1 probabilities of point i. Computed without gradient on a manager of its own.
     */
    public double[][] posterior(float[][] z) {
        int n = z.length;
        int d = z[0].length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z[i], 0, flat, i * d, d);
        }
        float[] ll;
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
             ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            scope.suppressNotUsedWarning();
            ll = cpm.nn.HostCopies.floats("gmm.posterior", logLikelihood(m.create(flat, new ai.djl.ndarray.types.Shape(n, d))));
        }
        int c = classes();
        double[][] p = new double[n][c];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                max = Math.max(max, ll[i * c + k]);
            }
            double sum = 0;
            for (int k = 0; k < c; k++) {
                p[i][k] = Math.exp(ll[i * c + k] - max);
                sum += p[i][k];
            }
            for (int k = 0; k < c; k++) {
                p[i][k] /= sum;
            }
        }
        return p;
    }

    public NDArray logLikelihood(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 2 || s.get(1) != dim) {
            throw new IllegalArgumentException("GaussianMixture.logLikelihood: x has shape " + s
                    + ", expected (P, " + dim + ")");
        }
        NDManager m = x.getManager();
        DataType t = x.getDataType();
        float[][] cache = tensorCache();
        int km = classes * components;
        NDArray logComp;
        if (!full) {
            // maha = x^2 . (1/var) - 2 x . (mu/var) + sum(mu^2/var); const folds log pi, log det and D log 2 pi
            NDArray invVar = constant(m, cache[0], new Shape(dim, km), t);
            NDArray muOverVar = constant(m, cache[1], new Shape(dim, km), t);
            NDArray konst = constant(m, cache[2], new Shape(km), t);
            NDArray maha = x.square().matMul(invVar).sub(x.matMul(muOverVar).mul(Scalars.of(2)));
            logComp = maha.mul(Scalars.of(-0.5)).add(konst);
        } else {
            // Sigma^-1 = U U^T with U = L^-T, so maha = ||x^T U - mu^T U||^2; all U side by side: (D, KM*D)
            NDArray u = constant(m, cache[0], new Shape(dim, (long) km * dim), t);
            NDArray muU = constant(m, cache[1], new Shape((long) km * dim), t);
            NDArray konst = constant(m, cache[2], new Shape(km), t);
            NDArray y = x.matMul(u).sub(muU);
            NDArray maha = y.square().reshape(s.get(0), km, dim).sum(new int[] {2});
            logComp = maha.mul(Scalars.of(-0.5)).add(konst);
        }
        NDArray lc = logComp.reshape(s.get(0), classes, components);
        if (config.maxScore()) {
            return components == 1 ? lc.squeeze(2) : lc.max(new int[] {2});
        }
        NDArray max = lc.max(new int[] {2}, true).stopGradient();
        return lc.sub(max).exp().sum(new int[] {2}).log().add(max.squeeze(2));
    }

    private static NDArray constant(NDManager m, float[] v, Shape shape, DataType t) {
        NDArray a = m.create(v, shape);
        return t == DataType.FLOAT32 ? a : a.toType(t, false);
    }

    private synchronized float[][] tensorCache() {
        if (tensorCache == null) {
            tensorCache = buildTensorCache();
        }
        return tensorCache;
    }

    private float[][] buildTensorCache() {
        int km = classes * components;
        float[] konst = new float[km];
        if (!full) {
            float[] invVar = new float[dim * km];
            float[] muOverVar = new float[dim * km];
            for (int c = 0; c < classes; c++) {
                for (int m = 0; m < components; m++) {
                    int col = c * components + m;
                    double k = (config.maxScore() ? 0 : Math.log(weights[c][m])) - 0.5 * dim * LOG_2PI;
                    double quad = 0;
                    double logDet = 0;
                    double eps = epsilon();
                    for (int d = 0; d < dim; d++) {
                        double v = cov[c][m * dim + d] + eps;
                        double mu = means[c][m * dim + d];
                        invVar[d * km + col] = (float) (1 / v);
                        muOverVar[d * km + col] = (float) (mu / v);
                        quad += mu * mu / v;
                        logDet += Math.log(v);
                    }
                    konst[col] = (float) (k - 0.5 * (logDet + quad));
                }
            }
            return new float[][] {invVar, muOverVar, konst};
        }
        long width = (long) km * dim;
        if ((long) dim * width > Integer.MAX_VALUE) {
            throw new IllegalStateException("full covariance too large for one tensor: D=" + dim + ", K*M=" + km);
        }
        float[] u = new float[(int) (dim * width)];
        float[] muU = new float[(int) width];
        for (int c = 0; c < classes; c++) {
            double[] l = choleskyOf(c);
            for (int m = 0; m < components; m++) {
                int col = c * components + m;
                DMatrixRMaj lm = DMatrixRMaj.wrap(dim, dim, Arrays.copyOfRange(l, m * dim * dim, (m + 1) * dim * dim));
                DMatrixRMaj linv = lowerInverse(lm); // U = L^-T, so U[i][j] = Linv[j][i]
                double logDet = 0;
                for (int d = 0; d < dim; d++) {
                    logDet += 2 * Math.log(lm.get(d, d));
                }
                for (int i = 0; i < dim; i++) {
                    for (int j = 0; j < dim; j++) {
                        u[(int) (i * width + (long) col * dim + j)] = (float) linv.get(j, i);
                    }
                }
                for (int j = 0; j < dim; j++) {
                    double acc = 0;
                    for (int i = 0; i < dim; i++) {
                        acc += means[c][m * dim + i] * linv.get(j, i);
                    }
                    muU[col * dim + j] = (float) acc;
                }
                konst[col] = (float) ((config.maxScore() ? 0 : Math.log(weights[c][m])) - 0.5 * dim * LOG_2PI
                        - 0.5 * logDet);
            }
        }
        return new float[][] {u, muU, konst};
    }

    // ------------------------------------------------------------------------------------------------------
    // EM (Eq. 3-4) in double precision

    /**
     * Runs {@code iterations} EM iterations (E-step Eq. 3, M-step Eq. 4) for one class on the given samples,
     * warm-started from the current parameters, then blends the result with momentum (the first fit of a class
     * takes the EM result as it is). Different classes may be fitted concurrently.
     *
     * @return the mean log-likelihood log p(x | cls) of the samples under the parameters after the update
     */
    public double emFit(int cls, float[][] samples, int iterations) {
        checkClass(cls);
        if (iterations < 1) {
            throw new IllegalArgumentException("classifier.emIterations: found " + iterations + ", expected >= 1");
        }
        int n = samples.length;
        if (n < 1) {
            throw new IllegalArgumentException("emFit: no samples for class " + cls);
        }
        double[] x = new double[n * dim];
        for (int i = 0; i < n; i++) {
            if (samples[i].length != dim) {
                throw new IllegalArgumentException("emFit: sample " + i + " has " + samples[i].length
                        + " values, expected " + dim);
            }
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] = samples[i][d];
            }
        }
        double[] w = weights[cls].clone();
        double[] mu = means[cls].clone();
        double[] cv = cov[cls].clone();
        double[] resp = new double[n * components];
        double[] trace = new double[iterations];
        double[] logp = new double[n * components];
        for (int it = 0; it < iterations; it++) {
            trace[it] = eStep(x, n, w, mu, cv, resp, logp) / n;
            if (config.sinkhorn() && components > 1) {
                SinkhornAssignment.hard(logp, n, components, resp);
            }
            mStep(x, n, resp, w, mu, cv);
        }
        store(cls, w, mu, cv, trace);
        return eStep(x, n, weights[cls], means[cls], cov[cls], resp) / n;
    }

    /**
     * The end of an EM fit (shared by {@link #emFit} and {@link BatchedDiagonalEm}): blends the EM result
     * {@code w, mu, cv} into the class's parameters with momentum (the first fit replaces them unless
     * classifier.firstFit is blend), renormalises the means (unitMeans), rounds everything to float32 and marks
     * the class fitted. {@code w} is modified.
     */
    void store(int cls, double[] w, double[] mu, double[] cv, double[] trace) {
        lastTrace[cls] = trace;
        // replacing the random initialisation at the first fit puts every class's means where the early, still
        // undifferentiated features of all classes lie; blending keeps the random prototypes apart a while
        double keep = fitted[cls] || config.blendFirstFit() ? momentum : 0.0;
        double wsum = 0;
        for (int m = 0; m < components; m++) {
            w[m] = Math.max(keep * weights[cls][m] + (1 - keep) * w[m], MIN_WEIGHT);
            wsum += w[m];
        }
        for (int m = 0; m < components; m++) {
            weights[cls][m] = f(w[m] / wsum);
        }
        for (int i = 0; i < mu.length; i++) {
            means[cls][i] = keep * means[cls][i] + (1 - keep) * mu[i];
        }
        for (int m = 0; m < components; m++) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                norm += means[cls][m * dim + d] * means[cls][m * dim + d];
            }
            double scale = config.unitMeans() && norm > 0 ? 1 / Math.sqrt(norm) : 1;
            for (int d = 0; d < dim; d++) {
                means[cls][m * dim + d] = f(means[cls][m * dim + d] * scale);
            }
        }
        for (int i = 0; i < cv.length; i++) {
            cov[cls][i] = f(keep * cov[cls][i] + (1 - keep) * cv[i]);
        }
        if (full) {
            symmetrise(cov[cls]);
        }
        fitted[cls] = true;
        invalidate(cls);
    }

    /** The class's current weights, means and variances (the arrays themselves, read-only: for the batched EM). */
    double[] weightsOf(int cls) {
        return weights[cls];
    }

    double[] meansOf(int cls) {
        return means[cls];
    }

    double[] covOf(int cls) {
        return cov[cls];
    }

    /** Mean bank log-likelihood at the start of each EM iteration of the class's last {@link #emFit}. */
    public double[] lastEmTrace(int cls) {
        return lastTrace[checkClass(cls)].clone();
    }

    /** Mean log-likelihood of the samples under the class's current parameters (double precision). */
    public double meanLogLikelihood(int cls, float[][] samples) {
        checkClass(cls);
        int n = samples.length;
        double[] x = new double[n * dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] = samples[i][d];
            }
        }
        return eStep(x, n, weights[cls], means[cls], cov[cls], new double[n * components]) / n;
    }

    private double eStep(double[] x, int n, double[] w, double[] mu, double[] cv, double[] resp) {
        return eStep(x, n, w, mu, cv, resp, new double[n * components]);
    }

    /**
     * E-step (Eq. 3): fills the responsibilities and logp (n x M) with log N(x_i; mu_m, Sigma_m), the component
     * densities without the weights; returns the total log-likelihood of the samples.
     */
    private double eStep(double[] x, int n, double[] w, double[] mu, double[] cv, double[] resp, double[] logp) {
        double eps = epsilon();
        if (!full) {
            for (int m = 0; m < components; m++) {
                double[] inv = new double[dim];
                double k = -0.5 * dim * LOG_2PI;
                for (int d = 0; d < dim; d++) {
                    inv[d] = 1 / (cv[m * dim + d] + eps);
                    k -= 0.5 * Math.log(cv[m * dim + d] + eps);
                }
                int off = m * dim;
                for (int i = 0; i < n; i++) {
                    // four partial sums break the dependency chain of the reduction (about 3x faster)
                    double q0 = 0;
                    double q1 = 0;
                    double q2 = 0;
                    double q3 = 0;
                    int xo = i * dim;
                    int d = 0;
                    for (; d + 3 < dim; d += 4) {
                        double e0 = x[xo + d] - mu[off + d];
                        double e1 = x[xo + d + 1] - mu[off + d + 1];
                        double e2 = x[xo + d + 2] - mu[off + d + 2];
                        double e3 = x[xo + d + 3] - mu[off + d + 3];
                        q0 += e0 * e0 * inv[d];
                        q1 += e1 * e1 * inv[d + 1];
                        q2 += e2 * e2 * inv[d + 2];
                        q3 += e3 * e3 * inv[d + 3];
                    }
                    for (; d < dim; d++) {
                        double e = x[xo + d] - mu[off + d];
                        q0 += e * e * inv[d];
                    }
                    logp[i * components + m] = k - 0.5 * ((q0 + q1) + (q2 + q3));
                }
            }
        } else {
            double[] l = cholesky(cv);
            DMatrixRMaj xm = DMatrixRMaj.wrap(n, dim, x);
            for (int m = 0; m < components; m++) {
                DMatrixRMaj lm = DMatrixRMaj.wrap(dim, dim, Arrays.copyOfRange(l, m * dim * dim, (m + 1) * dim * dim));
                DMatrixRMaj linv = lowerInverse(lm);
                double logDet = 0;
                for (int d = 0; d < dim; d++) {
                    logDet += 2 * Math.log(lm.get(d, d));
                }
                // rows of Y = (X - mu) L^-T are the whitened residuals
                DMatrixRMaj xc = xm.copy();
                double[] xd = xc.data;
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < dim; d++) {
                        xd[i * dim + d] -= mu[m * dim + d];
                    }
                }
                DMatrixRMaj y = new DMatrixRMaj(n, dim);
                CommonOps_DDRM.multTransB(xc, linv, y);
                double k = -0.5 * dim * LOG_2PI - 0.5 * logDet;
                for (int i = 0; i < n; i++) {
                    double q = 0;
                    for (int d = 0; d < dim; d++) {
                        double e = y.data[i * dim + d];
                        q += e * e;
                    }
                    logp[i * components + m] = k - 0.5 * q;
                }
            }
        }
        double total = 0;
        double[] logw = new double[components];
        for (int m = 0; m < components; m++) {
            logw[m] = Math.log(w[m]);
        }
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < components; m++) {
                max = Math.max(max, logw[m] + logp[i * components + m]);
            }
            double s = 0;
            for (int m = 0; m < components; m++) {
                s += Math.exp(logw[m] + logp[i * components + m] - max);
            }
            double lse = max + Math.log(s);
            total += lse;
            for (int m = 0; m < components; m++) {
                resp[i * components + m] = Math.exp(logw[m] + logp[i * components + m] - lse);
            }
        }
        return total;
    }

    /** M-step (Eq. 4): new weights, means and (floored) covariances from the responsibilities, in place. */
    private void mStep(double[] x, int n, double[] resp, double[] w, double[] mu, double[] cv) {
        for (int m = 0; m < components; m++) {
            double nk = 0;
            for (int i = 0; i < n; i++) {
                nk += resp[i * components + m];
            }
            w[m] = Math.max(nk / n, MIN_WEIGHT);
            if (nk < EMPTY) {
                continue; // an empty component keeps its mean and covariance
            }
            double[] mean = new double[dim];
            for (int i = 0; i < n; i++) {
                double r = resp[i * components + m];
                int xo = i * dim;
                for (int d = 0; d < dim; d++) {
                    mean[d] += r * x[xo + d];
                }
            }
            for (int d = 0; d < dim; d++) {
                mean[d] /= nk;
                mu[m * dim + d] = mean[d];
            }
            if (!full) {
                double[] var = new double[dim];
                for (int i = 0; i < n; i++) {
                    double r = resp[i * components + m];
                    int xo = i * dim;
                    for (int d = 0; d < dim; d++) {
                        double e = x[xo + d] - mean[d];
                        var[d] += r * e * e;
                    }
                }
                for (int d = 0; d < dim; d++) {
                    cv[m * dim + d] = config.additive() ? var[d] / nk : Math.max(var[d] / nk, floor);
                }
            } else {
                DMatrixRMaj wx = new DMatrixRMaj(n, dim);
                for (int i = 0; i < n; i++) {
                    double s = Math.sqrt(resp[i * components + m]);
                    for (int d = 0; d < dim; d++) {
                        wx.data[i * dim + d] = s * (x[i * dim + d] - mean[d]);
                    }
                }
                DMatrixRMaj sigma = new DMatrixRMaj(dim, dim);
                CommonOps_DDRM.multInner(wx, sigma);
                int off = m * dim * dim;
                for (int i = 0; i < dim; i++) {
                    for (int j = 0; j < dim; j++) {
                        cv[off + i * dim + j] = sigma.get(i, j) / nk + (i == j ? floor : 0);
                    }
                }
            }
        }
        double s = 0;
        for (int m = 0; m < components; m++) {
            s += w[m];
        }
        for (int m = 0; m < components; m++) {
            w[m] /= s;
        }
    }

    private DMatrixRMaj lowerInverse(DMatrixRMaj l) {
        DMatrixRMaj inv = new DMatrixRMaj(dim, dim);
        TriangularSolver_DDRM.invertLower(l.data, inv.data, dim);
        return inv;
    }

    private void symmetrise(double[] c) {
        for (int m = 0; m < components; m++) {
            int off = m * dim * dim;
            for (int i = 0; i < dim; i++) {
                for (int j = i + 1; j < dim; j++) {
                    double v = c[off + i * dim + j];
                    c[off + j * dim + i] = v;
                }
            }
        }
    }

    /** Lower Cholesky factors of all components of a full covariance array. */
    private double[] cholesky(double[] c) {
        double[] out = new double[components * dim * dim];
        for (int m = 0; m < components; m++) {
            DMatrixRMaj a = DMatrixRMaj.wrap(dim, dim, Arrays.copyOfRange(c, m * dim * dim, (m + 1) * dim * dim));
            CholeskyDecomposition_F64<DMatrixRMaj> ch = DecompositionFactory_DDRM.chol(dim, true);
            if (!ch.decompose(a)) {
                throw new IllegalStateException("GaussianMixture: covariance of component " + m
                        + " is not positive definite (raise classifier.varianceFloor)");
            }
            DMatrixRMaj l = ch.getT(null);
            for (int i = 0; i < dim; i++) {
                for (int j = 0; j <= i; j++) {
                    out[m * dim * dim + i * dim + j] = l.get(i, j);
                }
            }
        }
        return out;
    }

    private synchronized double[] choleskyOf(int cls) {
        if (chol[cls] == null) {
            chol[cls] = cholesky(cov[cls]);
        }
        return chol[cls];
    }

    private synchronized void invalidate(int cls) {
        chol[cls] = null;
        tensorCache = null;
    }

    // ------------------------------------------------------------------------------------------------------
    // Sampling

    /**
     * n draws z ~ p(z | cls): a component by weight, then a Gaussian draw (diagonal: mu + sigma * eps; full:
     * mu + L eps with Sigma = L L^T).
     */
    public float[][] sample(int cls, int n, SplittableRandom rng) {
        checkClass(cls);
        float[][] out = new float[n][dim];
        double[] l = full ? choleskyOf(cls) : null;
        double[] eps = new double[dim];
        double add = epsilon();
        for (int i = 0; i < n; i++) {
            int m = pickComponent(cls, rng);
            for (int d = 0; d < dim; d++) {
                eps[d] = gaussian(rng);
            }
            for (int d = 0; d < dim; d++) {
                double v;
                if (full) {
                    v = 0;
                    int row = m * dim * dim + d * dim;
                    for (int j = 0; j <= d; j++) {
                        v += l[row + j] * eps[j];
                    }
                } else {
                    v = Math.sqrt(cov[cls][m * dim + d] + add) * eps[d];
                }
                out[i][d] = (float) (means[cls][m * dim + d] + v);
            }
        }
        return out;
    }

    /**
     * n prompts z ~ N(mu_m, diag(var_m)) with the class's fitted variance (no epsilon, no floor), projected back
     * onto the unit sphere the mixture models (cpm.promptSampling fitted): with the floored variance the noise
     * norm was sqrt(D * floor), about twice the unit-length signal (docs/method.md, VCP). Full covariances
     * sample as in {@link #sample} and are then renormalised.
     */
    public float[][] sampleOnSphere(int cls, int n, SplittableRandom rng) {
        checkClass(cls);
        float[][] out;
        if (full) {
            out = sample(cls, n, rng);
        } else {
            out = new float[n][dim];
            double[] eps = new double[dim];
            for (int i = 0; i < n; i++) {
                int m = pickComponent(cls, rng);
                for (int d = 0; d < dim; d++) {
                    eps[d] = gaussian(rng);
                }
                for (int d = 0; d < dim; d++) {
                    out[i][d] = (float) (means[cls][m * dim + d] + Math.sqrt(cov[cls][m * dim + d]) * eps[d]);
                }
            }
        }
        for (float[] z : out) {
            double norm = 0;
            for (float v : z) {
                norm += (double) v * v;
            }
            double inv = 1 / Math.sqrt(Math.max(norm, 1e-24));
            for (int d = 0; d < dim; d++) {
                z[d] = (float) (z[d] * inv);
            }
        }
        return out;
    }

    private int pickComponent(int cls, SplittableRandom rng) {
        double u = rng.nextDouble();
        int m = 0;
        double acc = weights[cls][0];
        while (u >= acc && m < components - 1) {
            m++;
            acc += weights[cls][m];
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------------------
    // Parameters

    public double[] weights(int cls) {
        return weights[checkClass(cls)].clone();
    }

    public double[][] means(int cls) {
        checkClass(cls);
        double[][] out = new double[components][];
        for (int m = 0; m < components; m++) {
            out[m] = Arrays.copyOfRange(means[cls], m * dim, (m + 1) * dim);
        }
        return out;
    }

    /** The variances: the diagonal entries of each component's covariance. */
    public double[][] variances(int cls) {
        checkClass(cls);
        double[][] out = new double[components][dim];
        for (int m = 0; m < components; m++) {
            for (int d = 0; d < dim; d++) {
                out[m][d] = full ? cov[cls][m * dim * dim + d * dim + d] : cov[cls][m * dim + d];
            }
        }
        return out;
    }

    /** Full covariance matrices of a class (diagonal ones as diagonal matrices). */
    public double[][][] covariances(int cls) {
        checkClass(cls);
        double[][][] out = new double[components][dim][dim];
        for (int m = 0; m < components; m++) {
            for (int i = 0; i < dim; i++) {
                if (full) {
                    System.arraycopy(cov[cls], m * dim * dim + i * dim, out[m][i], 0, dim);
                } else {
                    out[m][i][i] = cov[cls][m * dim + i];
                }
            }
        }
        return out;
    }

    /**
     * Sets a class's parameters directly (values rounded to float32, diagonal variances clamped at the floor). For
     * tests, tools and the REPL; marks the class as fitted.
     *
     * @param covariances per component: diagonal, a length-D array; full, a D*D row-major array
     */
    public void setParameters(int cls, double[] w, double[][] mu, double[][] covariances) {
        checkClass(cls);
        if (w.length != components || mu.length != components || covariances.length != components) {
            throw new IllegalArgumentException("setParameters: expected " + components + " components");
        }
        double s = 0;
        for (double v : w) {
            s += v;
        }
        for (int m = 0; m < components; m++) {
            int covLen = full ? dim * dim : dim;
            if (mu[m].length != dim || covariances[m].length != covLen) {
                throw new IllegalArgumentException("setParameters: component " + m + " expected mean of " + dim
                        + " and covariance of " + covLen + " values");
            }
            weights[cls][m] = f(w[m] / s);
            for (int d = 0; d < dim; d++) {
                means[cls][m * dim + d] = f(mu[m][d]);
            }
            for (int i = 0; i < covLen; i++) {
                double v = covariances[m][i];
                cov[cls][m * covLen + i] = f(full || config.additive() ? v : Math.max(v, floor));
            }
        }
        if (full) {
            symmetrise(cov[cls]);
        }
        fitted[cls] = true;
        invalidate(cls);
    }

    /** Every parameter as float arrays (exact: the parameters are float32 values). */
    public Map<String, float[]> state() {
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("shape", new float[] {classes, components, dim, full ? 1 : 0});
        float[] fit = new float[classes];
        for (int c = 0; c < classes; c++) {
            fit[c] = fitted[c] ? 1 : 0;
        }
        s.put("fitted", fit);
        s.put("weights", flatten(weights));
        s.put("means", flatten(means));
        s.put("covariances", flatten(cov));
        return s;
    }

    public void load(Map<String, float[]> state) {
        float[] shape = require(state, "shape", 4);
        float[] expected = {classes, components, dim, full ? 1 : 0};
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("GMM state: shape (classes, components, dim, full) is "
                    + Arrays.toString(shape) + ", expected " + Arrays.toString(expected));
        }
        float[] fit = require(state, "fitted", classes);
        float[] w = require(state, "weights", classes * components);
        float[] mu = require(state, "means", classes * means[0].length);
        float[] cv = require(state, "covariances", classes * cov[0].length);
        for (int c = 0; c < classes; c++) {
            fitted[c] = fit[c] != 0;
            unflatten(w, c, weights[c]);
            unflatten(mu, c, means[c]);
            unflatten(cv, c, cov[c]);
            invalidate(c);
        }
    }

    static float[] require(Map<String, float[]> state, String key, int length) {
        float[] v = state.get(key);
        if (v == null) {
            throw new IllegalArgumentException("state: missing entry '" + key + "'");
        }
        if (v.length != length) {
            throw new IllegalArgumentException("state: entry '" + key + "' has " + v.length + " values, expected "
                    + length);
        }
        return v;
    }

    private static float[] flatten(double[][] a) {
        float[] out = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                out[i * a[i].length + j] = (float) a[i][j];
            }
        }
        return out;
    }

    private static void unflatten(float[] src, int row, double[] dst) {
        for (int j = 0; j < dst.length; j++) {
            dst[j] = src[row * dst.length + j];
        }
    }

    private int checkClass(int cls) {
        if (cls < 0 || cls >= classes) {
            throw new IllegalArgumentException("GMM class " + cls + " out of range 0.." + (classes - 1));
        }
        return cls;
    }

    private static double f(double v) {
        return (float) v;
    }

    /** A standard normal draw (Box-Muller) from the seeded generator. */
    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
