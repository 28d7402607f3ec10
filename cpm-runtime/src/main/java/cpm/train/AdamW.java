package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.Weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) over the trainable parameters of a {@link Weights} store, with a learning-rate
 * multiplier per parameter group (the backbone's) and global-norm gradient clipping. Written here rather than
 * with DJL's Trainer because the state must be explicit for exact checkpoints, live in the long-lived manager
 * (DJL's Adam creates it lazily, which breaks per-step scopes), and be updated in place with grad mode off.
 *
 * <p>Per parameter through the engine's fused Adam update (one native call per tensor: moments and weights in
 * place, decay decoupled), which measured faster than a dozen NDArray calls per tensor (bench/NOTES.md, change 6).
 * A version with all moments in two flat buffers measured slower still (28 vs 23 ms CPU for 240 tensors, 1.25 M
 * values): the update is bound by memory traffic, and per-parameter temporaries stay in cache while flat ones
 * stream 5 MB per pass.
 */
public final class AdamW {

    private final Weights weights;
    private final Map<String, Double> groupLr;
    private final double beta1 = 0.9;
    private final double beta2 = 0.999;
    private final double eps = 1e-8;
    private final double weightDecay;
    private final double clip;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long t;

    /**
     * @param groupLr learning-rate multiplier per Weights group (missing groups: 1)
     * @param clip    maximum global L2 norm of the gradients (0: no clipping)
     */
    public AdamW(Weights weights, double weightDecay, double clip, Map<String, Double> groupLr) {
        this.weights = weights;
        this.weightDecay = weightDecay;
        this.clip = clip;
        this.groupLr = groupLr;
        NDManager mgr = weights.manager();
        for (Map.Entry<String, NDArray> e : weights.trainable().entrySet()) {
            m.put(e.getKey(), mgr.zeros(e.getValue().getShape()));
            v.put(e.getKey(), mgr.zeros(e.getValue().getShape()));
        }
    }

    /**
     * One update with learning rate {@code lr}; gradients are read, used and zeroed.
     *
     * @return the global gradient norm before clipping
     */
    public double step(double lr) {
        double norm = gradNorm();
        apply(lr, norm);
        return norm;
    }

    /**
     * The global L2 norm of the current gradients, read without changing anything: training checks it is finite
     * before {@link #apply} touches the parameters or the moments.
     */
    public double gradNorm() {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = weights.manager().newSubManager()) {
            Map<String, NDArray> params = weights.trainable();
            if (params.isEmpty()) {
                return 0;
            }
            NDArray[] norms = new NDArray[params.size()];
            int i = 0;
            for (NDArray p : params.values()) {
                NDArray g = p.getGradient();
                g.attach(tmp);
                norms[i++] = g.norm(); // one fused L2-norm kernel per tensor
            }
            // summed in float64 on the host, in parameter order, so the norm does not depend on threads
            double sq = 0;
            for (NDArray n : norms) {
                double v = n.getFloat();
                sq += v * v;
            }
            return Math.sqrt(sq);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Applies one update with learning rate {@code lr}, clipping by {@code norm} (from {@link #gradNorm()}). */
    public void apply(double lr, double norm) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = weights.manager().newSubManager()) {
            Map<String, NDArray> params = weights.trainable();
            double scale = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0;
            t++;
            double bc1 = 1 - Math.pow(beta1, t);
            double bc2 = 1 - Math.pow(beta2, t);
            Map<String, Weights.Entry> entries = weights.entries();
            // torch's AdamW, p <- p (1 - lr wd) - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), rewritten for the
            // engine's fused update p <- p - lr wd p - lrbc m / (sqrt(v) + eps'), eps' = eps sqrt(bc2)
            float lrScale = (float) (Math.sqrt(bc2) / bc1);
            float epsHat = (float) (eps * Math.sqrt(bc2));
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                String name = e.getKey();
                PtNDArray p = (PtNDArray) e.getValue();
                PtNDArray g = (PtNDArray) p.getGradient();
                g.attach(tmp);
                double glr = lr * groupLr.getOrDefault(entries.get(name).group(), 1.0);
                double wd = weightDecay > 0 && p.getShape().dimension() > 1 ? weightDecay : 0;
                JniUtils.adamUpdate(p, g, (PtNDArray) m.get(name), (PtNDArray) v.get(name), (float) glr,
                        (float) glr * lrScale, (float) wd, (float) scale, -1f, (float) beta1, (float) beta2, epsHat,
                        true);
                JniUtils.zeroGrad(p);
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Drops the current gradients without an update (after a non-finite step). */
    public void zeroGradients() {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (NDArray p : weights.trainable().values()) {
                JniUtils.zeroGrad((PtNDArray) p);
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    public long steps() {
        return t;
    }

    /** The optimiser state by name ("m/<param>", "v/<param>"), for checkpoints. */
    public Map<String, NDArray> state() {
        Map<String, NDArray> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("m/" + k, a));
        v.forEach((k, a) -> s.put("v/" + k, a));
        return s;
    }

    public void setSteps(long steps) {
        this.t = steps;
    }

    /** Names of the parameters the optimiser updates. */
    public List<String> parameterNames() {
        return List.copyOf(m.keySet());
    }
}
