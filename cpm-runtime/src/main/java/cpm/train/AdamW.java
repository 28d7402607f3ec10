package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) over the trainable parameters of a {@link Weights} store, with a learning-rate
 * multiplier per parameter group (the backbone's) and global-norm gradient clipping. Written here rather than
 * with DJL's Trainer because the state must be explicit for exact checkpoints, live in the long-lived manager
 * (DJL's Adam creates it lazily, which breaks per-step scopes), and be updated in place with grad mode off.
 *
 * <p>The update is the engine's fused Adam kernel (moments and weights in place, decay decoupled) called once per
 * {@link Weights.Chunk}: parameters are views into a few flat buffers, so the gradients of a chunk are gathered
 * with one concatenation, their norm is one kernel, and one call updates every parameter in it (bench/NOTES.md,
 * changes 6 and 9; a dozen NDArray calls per tensor cost 23 ms per step of tiny, this about 5). A chunk that also
 * holds frozen parameters (tiny's unused softmax head shares the vector chunk with every bias) is updated the same
 * way with zero gradients in the frozen places, and the frozen values are copied back afterwards, so they never
 * move (change 13: tensor by tensor, the ~300 vectors of such a chunk cost ~15 engine ops each). Its gradient norm
 * is still taken tensor by tensor, so clipping, and with it every training run, is the same to the last bit as
 * before. A chunk with nothing to train is skipped.
 */
public final class AdamW {

    private final Weights weights;
    private final Map<String, Double> groupLr;
    private final double beta1 = 0.9;
    private final double beta2 = 0.999;
    private final double eps = 1e-8;
    private final double weightDecay;
    private final double clip;
    private final List<Weights.Chunk> chunks;
    private final List<NDArray> chunkM = new ArrayList<>();
    private final List<NDArray> chunkV = new ArrayList<>();
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    /** The gradients {@link #gradNorm} gathered, per chunk (null where nothing is trained), until apply. */
    private NDManager pending;
    private NDArray[] gathered;
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
        this.chunks = weights.chunks();
        NDManager mgr = weights.manager();
        Map<String, Weights.Entry> entries = weights.entries();
        for (Weights.Chunk c : chunks) {
            c.flat();
            NDArray cm = mgr.zeros(new Shape(c.size()));
            NDArray cv = mgr.zeros(new Shape(c.size()));
            chunkM.add(cm);
            chunkV.add(cv);
            long off = 0;
            for (String name : c.names()) {
                Shape shape = entries.get(name).array().getShape();
                long n = shape.size();
                if (entries.get(name).trainable()) {
                    m.put(name, cm.get(new NDIndex("{}:{}", off, off + n)).reshape(shape));
                    v.put(name, cv.get(new NDIndex("{}:{}", off, off + n)).reshape(shape));
                }
                off += n;
            }
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
     * before {@link #apply} touches the parameters or the moments. Keeps the gathered gradients for apply.
     */
    public double gradNorm() {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            release();
            pending = weights.manager().newSubManager();
            gathered = new NDArray[chunks.size()];
            Map<String, Weights.Entry> entries = weights.entries();
            List<NDArray> norms = new ArrayList<>();
            for (int i = 0; i < chunks.size(); i++) {
                Weights.Chunk c = chunks.get(i);
                NDList gs = new NDList(c.names().size());
                List<NDArray> own = new ArrayList<>();            // the trained parameters' gradients
                for (String name : c.names()) {
                    Weights.Entry e = entries.get(name);
                    NDArray g = e.trainable() ? e.array().getGradient() : pending.zeros(e.array().getShape());
                    g.attach(pending);
                    gs.add(g.reshape(-1));
                    if (e.trainable()) {
                        own.add(g);
                    }
                }
                if (own.isEmpty()) {
                    continue;                                     // nothing to train in this chunk
                }
                gathered[i] = NDArrays.concat(gs);
                gathered[i].attach(pending);
                if (own.size() == gs.size()) {
                    norms.add(gathered[i].norm());
                } else {
                    // tensor by tensor, as before change 13: the same float32 norms, so the clipping (and every
                    // documented training run) stays the same to the last bit
                    for (NDArray g : own) {
                        norms.add(g.norm());
                    }
                }
            }
            // summed in float64 on the host, in chunk order, so the norm does not depend on threads
            if (norms.isEmpty()) {
                return 0;
            }
            NDArray all = NDArrays.stack(new NDList(norms));
            all.attach(pending);
            double sq = 0;
            for (float x : cpm.nn.HostCopies.floats("adamw.gradNorm", all)) {
                sq += (double) x * x;
            }
            return Math.sqrt(sq);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Applies one update with learning rate {@code lr}, clipping by {@code norm} (from {@link #gradNorm()}). */
    public void apply(double lr, double norm) {
        if (gathered == null) {
            gradNorm();
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            Map<String, Weights.Entry> entries = weights.entries();
            float scale = (float) (clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0);
            t++;
            double bc1 = 1 - Math.pow(beta1, t);
            double bc2 = 1 - Math.pow(beta2, t);
            // torch's AdamW, p <- p (1 - lr wd) - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), rewritten for the
            // engine's fused update p <- p - lr wd p - lrbc m / (sqrt(v) + eps'), eps' = eps sqrt(bc2)
            float lrScale = (float) (Math.sqrt(bc2) / bc1);
            float epsHat = (float) (eps * Math.sqrt(bc2));
            for (int i = 0; i < chunks.size(); i++) {
                if (gathered[i] == null) {
                    continue;
                }
                Weights.Chunk c = chunks.get(i);
                double glr = lr * groupLr.getOrDefault(c.group(), 1.0);
                float wd = (float) (weightDecay > 0 && c.matrices() ? weightDecay : 0);
                List<NDArray[]> keep = new ArrayList<>();
                for (String name : c.names()) {
                    Weights.Entry e = entries.get(name);
                    if (!e.trainable()) {
                        NDArray saved = e.array().duplicate();
                        saved.attach(pending);
                        keep.add(new NDArray[] {e.array(), saved});
                    }
                }
                JniUtils.adamUpdate((PtNDArray) c.flat(), (PtNDArray) gathered[i], (PtNDArray) chunkM.get(i),
                        (PtNDArray) chunkV.get(i), (float) glr, (float) glr * lrScale, wd, scale, -1f,
                        (float) beta1, (float) beta2, epsHat, true);
                for (NDArray[] k : keep) {
                    k[0].set(new NDIndex("..."), k[1]);      // in place: the parameter stays a view of its chunk
                }
                for (String name : c.names()) {
                    if (entries.get(name).trainable()) {
                        JniUtils.zeroGrad((PtNDArray) entries.get(name).array());
                    }
                }
            }
        } finally {
            release();
            JniUtils.setGradMode(grad);
        }
    }

    private void release() {
        if (pending != null) {
            pending.close();
            pending = null;
        }
        gathered = null;
    }

    /** Drops the current gradients without an update (after a non-finite step). */
    public void zeroGradients() {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            release();
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

    /** The optimiser state by name ("m/<param>", "v/<param>"), for checkpoints: views into the flat moments. */
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
