package cpm.nn;

import ai.djl.ndarray.NDArray;

/**
 * Mixed precision (recipe field run.precision), as DJL has no autocast: inside a bf16 {@link Scope} the heavy ops
 * (convolutions and matrix products: {@link Conv}, {@link Linear}, attention and the mask products) compute in
 * bfloat16 and return float32 ({@link Bf16Kernels}), so norms, softmax, losses, the GMM and the optimiser see
 * float32, and the float32 master weights get float32 gradients. Per thread, like libtorch's grad mode and
 * autocast: a training step or an evaluation opens a scope. With fp32 (the default) every op runs as before.
 */
public final class Precision {

    public static final String FP32 = "fp32";
    public static final String BF16 = "bf16";

    private static final ThreadLocal<Boolean> LOW = ThreadLocal.withInitial(() -> false);

    private Precision() {
    }

    /** Restores the thread's previous precision on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;

        private Scope(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            LOW.set(previous);
        }
    }

    /** Computes the heavy ops of this thread in {@code name} (fp32 or bf16) until the scope closes. */
    public static Scope use(String name) {
        if (!name.equals(FP32) && !name.equals(BF16)) {
            throw new IllegalArgumentException("run.precision: found " + name + ", expected fp32 or bf16");
        }
        Scope s = new Scope(LOW.get());
        LOW.set(name.equals(BF16));
        return s;
    }

    /** True inside a bf16 scope. */
    public static boolean low() {
        return LOW.get();
    }

    /** {@code a.matMul(b)}; in bfloat16 inside a bf16 scope, a float32 result either way. */
    public static NDArray matMul(NDArray a, NDArray b) {
        return low() ? Bf16Kernels.matMul(a, b) : a.matMul(b);
    }
}
