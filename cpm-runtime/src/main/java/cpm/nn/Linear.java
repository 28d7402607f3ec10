package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** y = x W + b over the last axis. W is stored (in, out) so the activation is the first operand. */
public final class Linear {

    private final NDArray weight;
    private final NDArray bias;

    public Linear(Weights w, long in, long out) {
        this(w, in, out, true);
    }

    public Linear(Weights w, long in, long out, boolean bias) {
        this.weight = w.param("weight", new Shape(in, out), Init.xavier(in, out));
        this.bias = bias ? w.param("bias", new Shape(out), Init.zeros()) : null;
    }

    public NDArray forward(NDArray x) {
        NDArray y = Precision.matMul(x, weight); // the bias is added in float32
        return bias == null ? y : y.add(bias);
    }

    public NDArray weight() {
        return weight;
    }
}
