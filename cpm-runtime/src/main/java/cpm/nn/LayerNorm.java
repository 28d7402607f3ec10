package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Layer norm over the last axis (transformer layers). */
public final class LayerNorm {

    private final NDArray gamma;
    private final NDArray beta;
    private final long dim;

    public LayerNorm(Weights w, long dim) {
        this.dim = dim;
        this.gamma = w.param("gamma", new Shape(dim), Init.ones());
        this.beta = w.param("beta", new Shape(dim), Init.zeros());
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), gamma, beta, 1e-5f).singletonOrThrow();
    }
}
