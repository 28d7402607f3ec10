package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** A 2-D convolution (NCHW) with He-initialised weights, as a functional op on its own parameters. */
public final class Conv {

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;

    public Conv(Weights w, long in, long out, int kernel, int stride, boolean bias) {
        this.weight = w.param("weight", new Shape(out, in, kernel, kernel), Init.kaiming(in * kernel * kernel));
        this.bias = bias ? w.param("bias", new Shape(out), Init.zeros()) : null;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(kernel / 2, kernel / 2);
    }

    public NDArray forward(NDArray x) {
        CpuKernels.convolving();
        if (Precision.low()) { // bf16 compute, float32 result; the bias is added in float32
            NDArray y = Bf16Kernels.conv2d(x, weight, stride.get(0), padding.get(0));
            return bias == null ? y : y.add(bias.reshape(1, -1, 1, 1));
        }
        return Conv2d.conv2d(x, weight, bias, stride, padding, new Shape(1, 1), 1).singletonOrThrow();
    }
}
