package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
 * <p>The moments of all parameters live in two flat buffers, so the moment updates, the norm and the step size are
 * a dozen engine calls instead of a dozen per parameter (the per-call overhead dominated the optimiser's time,
 * bench/NOTES.md); what remains per parameter is reading its gradient, subtracting its slice of the step, the
 * decay and zeroing the gradient. {@link #state()} gives per-parameter views of the flat buffers.
 */
public final class AdamW {

    private final Weights weights;
    private final Map<String, Double> groupLr;
    private final double beta1 = 0.9;
    private final double beta2 = 0.999;
    private final double eps = 1e-8;
    private final double weightDecay;
    private final double clip;
    private final List<String> names = new ArrayList<>();
    private final NDArray[] params;
    private final double[] multiplier;      // the group's learning-rate multiplier of each parameter
    private final long[] splitPoints;       // start offsets of parameters 1..n-1 in the flat buffers
    private final NDArray mFlat;
    private final NDArray vFlat;
    private final NDArray lrScale;          // per element multiplier, or null when every group has the same one
    private final double commonMultiplier;
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
        Map<String, NDArray> trainable = weights.trainable();
        Map<String, Weights.Entry> entries = weights.entries();
        int n = trainable.size();
        this.params = new NDArray[n];
        this.multiplier = new double[n];
        this.splitPoints = new long[Math.max(0, n - 1)];
        long total = 0;
        int i = 0;
        boolean same = true;
        for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
            names.add(e.getKey());
            params[i] = e.getValue();
            multiplier[i] = groupLr.getOrDefault(entries.get(e.getKey()).group(), 1.0);
            same &= multiplier[i] == multiplier[0];
            if (i > 0) {
                splitPoints[i - 1] = total;
            }
            total += e.getValue().size();
            i++;
        }
        this.commonMultiplier = n == 0 ? 1.0 : multiplier[0];
        this.mFlat = mgr.zeros(new ai.djl.ndarray.types.Shape(total));
        this.vFlat = mgr.zeros(new ai.djl.ndarray.types.Shape(total));
        if (same) {
            this.lrScale = null;
        } else {
            float[] scale = new float[(int) total];
            long off = 0;
            for (int k = 0; k < n; k++) {
                java.util.Arrays.fill(scale, (int) off, (int) (off + params[k].size()), (float) multiplier[k]);
                off += params[k].size();
            }
            this.lrScale = mgr.create(scale);
        }
        long off = 0;
        for (int k = 0; k < n; k++) {
            long size = params[k].size();
            NDIndex slice = new NDIndex().addSliceDim(off, off + size);
            m.put(names.get(k), mFlat.get(slice).reshape(params[k].getShape()));
            v.put(names.get(k), vFlat.get(slice).reshape(params[k].getShape()));
            off += size;
        }
    }

    /**
     * One update with learning rate {@code lr}; gradients are read, used and zeroed.
     *
     * @return the global gradient norm before clipping
     */
    public double step(double lr) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = weights.manager().newSubManager()) {
            int n = params.length;
            if (n == 0) {
                t++;
                return 0;
            }
            NDArray[] grads = new NDArray[n];
            NDList flat = new NDList(n);
            for (int i = 0; i < n; i++) {
                grads[i] = params[i].getGradient();
                grads[i].attach(tmp);
                flat.add(grads[i].reshape(-1));
            }
            NDArray g = n == 1 ? flat.get(0) : NDArrays.concat(flat);
            double norm = Math.sqrt(g.square().sum().getFloat());
            double scale = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0;
            t++;
            double bc1 = 1 - Math.pow(beta1, t);
            double bc2 = 1 - Math.pow(beta2, t);
            if (scale != 1.0) {
                g = g.mul((float) scale);
            }
            mFlat.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            vFlat.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            NDArray denom = vFlat.div((float) bc2).sqrt().addi((float) eps);
            NDArray delta = mFlat.div(denom);
            if (lrScale == null) {
                delta.muli((float) (lr * commonMultiplier / bc1));
            } else {
                delta.muli(lrScale).muli((float) (lr / bc1));
            }
            NDList pieces = n == 1 ? new NDList(delta) : delta.split(splitPoints);
            for (int i = 0; i < n; i++) {
                NDArray p = params[i];
                if (weightDecay > 0 && p.getShape().dimension() > 1) {
                    p.muli((float) (1 - lr * multiplier[i] * weightDecay));
                }
                p.subi(pieces.get(i).reshape(p.getShape()));
                JniUtils.zeroGrad((PtNDArray) p);
            }
            return norm;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    public long steps() {
        return t;
    }

    /** The optimiser state by name ("m/<param>", "v/<param>"): views of the flat moments, for checkpoints. */
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
        return List.copyOf(names);
    }
}
