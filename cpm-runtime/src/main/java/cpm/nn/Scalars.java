package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scalar operands that outlive the autograd graph. DJL's {@code x.mul(2f)} wraps the number in a tensor whose
 * memory is a direct ByteBuffer, multiplies, and closes the wrapper at once; autograd keeps the scalar for the
 * backward pass, and once the garbage collector frees the buffer the gradient reads freed memory (seen here
 * as NaN gradients that depend on GC timing). Every op whose backward saves its scalar operand (mul, div, pow,
 * maximum, minimum) therefore takes its number through {@link #of(double)}, which keeps the tensor alive.
 */
public final class Scalars {

    private static final int CACHED = 4096;
    private static final ConcurrentHashMap<Double, NDArray> CACHE = new ConcurrentHashMap<>();
    private static final ArrayBlockingQueue<NDArray> RECENT = new ArrayBlockingQueue<>(1 << 14);
    private static volatile NDManager manager;

    private Scalars() {
    }

    /** A float32 0-dim tensor (float64 would promote 0-dim float32 results) of {@code v}, kept alive (cached for recurring constants). */
    public static NDArray of(double v) {
        NDArray cached = CACHE.get(v);
        if (cached != null) {
            return cached;
        }
        NDArray s = manager().create((float) v);
        ai.djl.ndarray.NDScope.unregister(s);   // an open step scope must not close a shared constant
        if (CACHE.size() < CACHED) {
            NDArray prev = CACHE.putIfAbsent(v, s);
            if (prev != null) {
                s.close();
                return prev;
            }
            return s;
        }
        synchronized (RECENT) {
            if (!RECENT.offer(s)) {
                RECENT.poll().close();
                RECENT.offer(s);
            }
        }
        return s;
    }

    private static NDManager manager() {
        NDManager m = manager;
        if (m == null) {
            synchronized (Scalars.class) {
                if (manager == null) {
                    manager = NDManager.newBaseManager(ai.djl.Device.cpu());
                }
                m = manager;
            }
        }
        return m;
    }
}
