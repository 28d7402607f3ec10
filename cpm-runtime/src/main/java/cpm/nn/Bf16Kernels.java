package cpm.nn;

import ai.djl.ndarray.NDArray;

/**
 * The bfloat16 kernels of {@link Precision}. DJL 0.36.0's PyTorch JNI has no bfloat16 in its dtype table (a
 * {@code toType(BFLOAT16)} aborts the JVM), and its ops on a bfloat16 tensor it cannot name lose the autograd
 * graph; TorchScript has bfloat16. So each kernel is a {@link ScriptKernels} module that casts its float32 operands
 * to bfloat16, runs the op and returns float32, all inside libtorch, where autograd records the casts: gradients
 * reach the float32 inputs and weights as float32.
 */
final class Bf16Kernels {

    /** c10::ScalarType code TorchScript's serialised source uses for bfloat16. */
    private static final int BF16 = 15;

    private Bf16Kernels() {
    }

    /** a @ b (batched like torch.matmul) in bfloat16, float32 result. */
    static NDArray matMul(NDArray a, NDArray b) {
        return ScriptKernels.run("matmul", "torch.matmul(torch.to(x, " + BF16 + "), torch.to(y, " + BF16 + "))", a, b);
    }

    /** conv2d without bias (NCHW), square stride and padding, in bfloat16, float32 result. */
    static NDArray conv2d(NDArray x, NDArray w, long stride, long padding) {
        return ScriptKernels.run("conv_s" + stride + "_p" + padding, "torch.conv2d(torch.to(x, " + BF16
                + "), torch.to(y, " + BF16 + "), None, [" + stride + ", " + stride + "], [" + padding + ", " + padding + "], [1, 1], 1)", x, w);
    }
}
