package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Recording and backpropagating a step's graph without DJL's {@code GradientCollector}, which allows one collector
 * per JVM (a static flag) and so one training per process. libtorch's grad mode is thread-local and its CPU
 * backward runs on the calling thread, so a recording here concerns only its own thread: trainings in several
 * threads of one JVM ({@code ./cpm ablate --parallel}) each record and backpropagate their own graph. Does what
 * {@code PtGradientCollector} does, minus the flag.
 */
final class Autograd implements AutoCloseable {

    private final boolean previous;

    private Autograd() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Grad mode on in this thread until {@link #close()}, which restores the mode found. */
    static Autograd record() {
        return new Autograd();
    }

    /** Accumulates d loss / d p into the gradient of every parameter p the scalar {@code loss} depends on. */
    void backward(NDArray loss) {
        NDArray ones = loss.getManager().ones(loss.getShape(), loss.getDataType()).toDevice(loss.getDevice(), false);
        JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
