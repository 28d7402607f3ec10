package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;

/**
 * Channel normalisation for NCHW maps: batch norm (running statistics as buffers), frozen batch norm (the
 * statistics and affine are fixed, as for pretrained backbones) or group norm. Group norm is written from
 * primitives because DJL has no GroupNorm op; it is the default at small batch sizes.
 */
public final class Norm {

    private final String kind;
    private final NDArray gamma;
    private final NDArray beta;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private final int groups;

    /** @param kind "batch", "frozen-batch" or "group" (recipe field image.norm) */
    public Norm(Weights w, String kind, long channels) {
        this.kind = kind;
        this.gamma = w.param("gamma", new Shape(channels), Init.ones());
        this.beta = w.param("beta", new Shape(channels), Init.zeros());
        if (kind.equals("group")) {
            this.runningMean = null;
            this.runningVar = null;
            int g = 32;
            while (channels % g != 0) {
                g /= 2;
            }
            this.groups = Math.max(1, Math.min(g, (int) channels));
        } else {
            this.runningMean = w.buffer("runningMean", new Shape(channels), 0f);
            this.runningVar = w.buffer("runningVar", new Shape(channels), 1f);
            this.groups = 0;
        }
    }

    public NDArray forward(NDArray x, boolean training) {
        if (groups > 0) {
            return groupNorm(x, groups, gamma, beta, 1e-5f);
        }
        boolean update = training && kind.equals("batch");
        return BatchNorm.batchNorm(x, runningMean, runningVar, gamma, beta, 1, 0.1f, 1e-5f, update).singletonOrThrow();
    }

    /**
     * Group norm over (C/G, H, W) of each group, then a per-channel affine. The normalisation is the engine's
     * fused layer norm over the (N, G, C/G*H*W) view (unit weight, zero bias): one kernel forward and backward
     * instead of seven elementwise passes each way (bench/NOTES.md); the same (x - mean) / sqrt(var + eps).
     */
    public static NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        NDArray g = x.reshape(n, groups, -1);
        long per = g.getShape().get(2);
        ai.djl.ndarray.NDManager m = x.getManager();
        NDArray one = m.ones(new Shape(per));
        NDArray zero = m.zeros(new Shape(per));
        NDArray normed = ai.djl.nn.norm.LayerNorm.layerNorm(g, new Shape(per), one, zero, eps).singletonOrThrow()
                .reshape(s);
        Shape bshape = new Shape(1, c, 1, 1);
        return normed.mul(gamma.reshape(bshape)).add(beta.reshape(bshape));
    }
}
