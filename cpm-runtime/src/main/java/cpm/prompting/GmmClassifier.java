package cpm.prompting;

import cpm.nn.Init;
import cpm.nn.LayerNorm;
import cpm.nn.Linear;
import cpm.nn.Scalars;
import cpm.nn.Weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.dsl.Sections;
import cpm.model.Classifier;

import java.util.function.Supplier;

/**
 * The generative classifier of CCDM (Eq. 1-2). It reads one space (classifier.space): the decoder output q~ in
 * query space (Sec. 3.1: the prompts z^k replace q, so the distribution lives where the queries do), or the
 * post-MLP mask embedding. Two heads (classifier.head):
 * <ul>
 *   <li>layernorm (GMMSeg's): x = L2(LayerNorm_affine(feature)); per-class score s_c = max_m or logsumexp_m of
 *       log N(x; mu_cm, Sigma_cm + eps); logits = gamma_c * LN_c(s) + beta_c, a LayerNorm over the class axis with
 *       learned gamma and beta. The class-axis LN makes the logits scale-free, so a small epsilon neither blows the
 *       CE up nor fixes the temperature (gamma learns it), and beta gives each class, no-object included, a learned
 *       bias.</li>
 *   <li>raw: x = L2(feature); logits = log p(x | c) / temperature, fed straight to the CE (softmax of them is the
 *       posterior of Eq. 1 under the uniform prior).</li>
 * </ul>
 * No-object (classifier.noObject): a class of the mixture (mixture), a linear logit on the feature beside the C
 * GMM classes (linear, Mask2Former's), or the mixture with a prior log p(c) from the running no-object fraction
 * (prior). Classes not yet fitted can be left out (classifier.unfitted mask): the class LN is taken over the fitted
 * classes and the others sit {@link #MASKED} nats below.
 *
 * <p>Parameters: {@code gmm.featNorm.*}, {@code gmm.logitNorm.gamma/beta}, {@code gmm.noObject.*}.
 */
public final class GmmClassifier implements Classifier {

    /** How far below the rest a class left out of the logits sits (exp(-30) ~ 1e-13). */
    static final float MASKED = -30f;

    private final GaussianMixture gmm;
    private final double temperature;
    private final boolean querySpace;
    private final LayerNorm featNorm;
    private final NDArray gamma;
    private final NDArray beta;
    private final Linear noObjectHead;
    private final boolean maskUnfitted;
    private final Supplier<float[]> logPrior;

    /** The raw head on the mask embedding (the classifier before the GMMSeg rework); for tests and tools. */
    public GmmClassifier(GaussianMixture gmm, double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("classifier.temperature: found " + temperature + ", expected > 0");
        }
        this.gmm = gmm;
        this.temperature = temperature;
        this.querySpace = false;
        this.featNorm = null;
        this.gamma = null;
        this.beta = null;
        this.noObjectHead = null;
        this.maskUnfitted = false;
        this.logPrior = null;
    }

    /**
     * The classifier a recipe's classifier section describes.
     *
     * @param w        where its parameters live (the model's weights, child "gmm")
     * @param logPrior log p(c) over the C + 1 classes, read at every forward (classifier.noObject prior), else null
     */
    public GmmClassifier(Sections.Classifier c, GaussianMixture gmm, Weights w, Supplier<float[]> logPrior) {
        if (!(c.temperature() > 0)) {
            throw new IllegalArgumentException("classifier.temperature: found " + c.temperature() + ", expected > 0");
        }
        this.gmm = gmm;
        this.temperature = c.temperature();
        this.querySpace = c.querySpace();
        boolean ln = c.layerNormHead();
        boolean linear = c.noObject().equals("linear");
        int scored = linear ? gmm.classes() - 1 : gmm.classes();
        this.featNorm = ln ? new LayerNorm(w.child("featNorm"), gmm.dim()) : null;
        this.gamma = ln ? w.param("logitNorm.gamma", new Shape(scored), Init.ones()) : null;
        this.beta = ln ? w.param("logitNorm.beta", new Shape(scored), Init.zeros()) : null;
        this.noObjectHead = linear ? new Linear(w.child("noObject"), gmm.dim(), 1) : null;
        this.maskUnfitted = c.unfitted().equals("mask");
        this.logPrior = c.noObject().equals("prior") ? logPrior : null;
    }

    @Override
    public NDArray logits(NDArray queries, NDArray maskEmbed) {
        NDArray feature = querySpace ? queries : maskEmbed;
        Shape s = feature.getShape();
        if (s.dimension() != 3 || s.get(2) != gmm.dim()) {
            throw new IllegalArgumentException("GmmClassifier: " + (querySpace ? "queries" : "mask embeddings")
                    + " have shape " + s + ", expected (B, N, " + gmm.dim() + ")");
        }
        NDArray flat = feature.reshape(s.get(0) * s.get(1), s.get(2));
        NDArray logits = headLogits(embed(flat));
        if (noObjectHead != null) {
            logits = NDArrays.concat(new ai.djl.ndarray.NDList(logits, noObjectHead.forward(flat)), 1);
        }
        return logits.reshape(s.get(0), s.get(1), gmm.classes());
    }

    /**
     * The point on the sphere the mixture models for a feature of the classifier's space: L2(LayerNorm(x)) with
     * the layernorm head, L2(x) with the raw one. Shape kept.
     */
    public NDArray embed(NDArray feature) {
        return normalise(featNorm == null ? feature : featNorm.forward(feature));
    }

    /** The space's feature of a decoder prediction (what {@link #logits} reads). */
    public NDArray feature(NDArray queries, NDArray maskEmbed) {
        return querySpace ? queries : maskEmbed;
    }

    /**
     * Logits over the classes the mixture scores, from points x already on the sphere (P, D): the C + 1 classes,
     * or the C semantic ones when no-object has a linear head of its own.
     */
    public NDArray headLogits(NDArray x) {
        NDArray ll = gmm.logLikelihood(x);
        if (noObjectHead != null) {
            ll = ll.get(":, 0:" + (gmm.classes() - 1));
        }
        NDManager m = ll.getManager();
        int scored = (int) ll.getShape().get(1);
        if (logPrior != null) {
            ll = ll.add(m.create(logPrior.get()).toType(ll.getDataType(), false));
        }
        float[] include = included(scored);
        if (gamma == null) {
            NDArray out = temperature == 1.0 ? ll : ll.div(Scalars.of(temperature));
            return include == null ? out : out.add(maskOffset(m, include, out.getDataType()));
        }
        NDArray z;
        if (include == null) {
            NDArray mean = ll.mean(new int[] {1}, true);
            NDArray c = ll.sub(mean);
            NDArray var = c.square().mean(new int[] {1}, true);
            z = c.div(var.add(Scalars.of(1e-5)).sqrt());
        } else {
            // the class LayerNorm over the fitted classes only: unfitted scores must not set its scale
            NDArray wv = m.create(include).toType(ll.getDataType(), false);
            NDArray n = Scalars.of(sum(include));
            NDArray mean = ll.mul(wv).sum(new int[] {1}, true).div(n);
            NDArray c = ll.sub(mean).mul(wv);
            NDArray var = c.square().sum(new int[] {1}, true).div(n);
            z = c.div(var.add(Scalars.of(1e-5)).sqrt()).add(maskOffset(m, include, ll.getDataType()));
        }
        return z.mul(gamma).add(beta);
    }

    /**
     * {@link #headLogits(NDArray)} at a few points on the sphere (the bank, sampled prompts), without gradient on a
     * manager of its own: row i holds point i's logits.
     */
    public float[][] headLogits(float[][] z) {
        int d = gmm.dim();
        float[] flat = new float[z.length * d];
        for (int i = 0; i < z.length; i++) {
            System.arraycopy(z[i], 0, flat, i * d, d);
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager()) {
            scope.suppressNotUsedWarning();
            NDArray l = headLogits(m.create(flat, new Shape(z.length, d)));
            int c = (int) l.getShape().get(1);
            float[] v = cpm.nn.HostCopies.floats("gmm.headLogits", l);
            float[][] out = new float[z.length][c];
            for (int i = 0; i < z.length; i++) {
                System.arraycopy(v, i * c, out[i], 0, c);
            }
            return out;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** The posterior p(c | z) of Eq. 1 under this head (the softmax of its logits) at points on the sphere. */
    public double[][] posterior(float[][] z) {
        float[][] l = headLogits(z);
        double[][] p = new double[l.length][];
        for (int i = 0; i < l.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : l[i]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            p[i] = new double[l[i].length];
            for (int c = 0; c < l[i].length; c++) {
                p[i][c] = Math.exp(l[i][c] - max);
                sum += p[i][c];
            }
            for (int c = 0; c < l[i].length; c++) {
                p[i][c] /= sum;
            }
        }
        return p;
    }

    /** 1 for the classes that enter the logits, or null when all do (mask off, or nothing fitted yet). */
    private float[] included(int scored) {
        if (!maskUnfitted) {
            return null;
        }
        float[] inc = new float[scored];
        int n = 0;
        for (int c = 0; c < scored; c++) {
            inc[c] = gmm.fitted(c) ? 1 : 0;
            n += (int) inc[c];
        }
        return n == 0 || n == scored ? null : inc;
    }

    private static NDArray maskOffset(NDManager m, float[] include, DataType t) {
        float[] off = new float[include.length];
        for (int i = 0; i < off.length; i++) {
            off[i] = include[i] > 0 ? 0 : MASKED;
        }
        return m.create(off).toType(t, false);
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    @Override
    public int numClasses() {
        return gmm.classes() - 1;
    }

    public GaussianMixture mixture() {
        return gmm;
    }

    public double temperature() {
        return temperature;
    }

    /** Whether the mixture models the decoder output (query space) rather than the mask embedding. */
    public boolean querySpace() {
        return querySpace;
    }

    /** Whether no-object has a linear logit of its own beside the GMM classes. */
    public boolean linearNoObject() {
        return noObjectHead != null;
    }

    /** L2 normalisation over the last axis, smooth at 0 (the space CCDM models, docs/method.md). */
    public static NDArray normalise(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.div(x.square().sum(new int[] {last}, true).add(1e-12).sqrt());
    }
}
