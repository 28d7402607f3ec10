package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bilinear resizing of NCHW maps exactly as F.interpolate(mode="bilinear", align_corners=False) computes it, with
 * gradient, as two matrix products: resize(x) = R_h^T x R_w. Written by hand because DJL's interpolation runs
 * libtorch's antialiased kernel, which differs from Mask2Former's plain bilinear when shrinking (attention masks)
 * and measured slower in both directions (bench/NOTES.md, change 7); the products are also the form PCL pools
 * through. DJL has no deconvolution on the PyTorch engine, so decoders upsample with this and a convolution.
 */
public final class Resize {

    private static final Map<Long, float[]> MATRICES = new ConcurrentHashMap<>();

    private Resize() {
    }

    /** x (B,C,H,W) resized to (h,w); returned as is when the size already matches. */
    public static NDArray bilinear(NDArray x, long h, long w) {
        long[] s = x.getShape().getShape();
        if (s[2] == h && s[3] == w) {
            return x;
        }
        long bc = s[0] * s[1];
        NDManager m = x.getManager();
        NDArray y = x;
        if (s[3] != w) {
            y = y.reshape(bc * s[2], s[3]).matMul(matrix(m, s[3], w, x.getDataType()));      // (BC*H, w)
        }
        if (s[2] != h) {
            y = matrix(m, s[2], h, x.getDataType()).transpose().matMul(y.reshape(bc, s[2], w)); // (BC, h, w)
        }
        return y.reshape(s[0], s[1], h, w);
    }

    /** The (in, out) matrix of {@link #weights} as an array of {@code m} with type {@code type}. */
    public static NDArray matrix(NDManager m, long in, long out, DataType type) {
        NDArray r = m.create(weights(in, out), new Shape(in, out));
        return type == DataType.FLOAT32 ? r : r.toType(type, false);
    }

    /**
     * The (in x out) matrix of 1-D bilinear resizing from {@code in} to {@code out} samples as libtorch's
     * interpolate computes it (align_corners = false, no scale factor): output o reads src = (o + 0.5) in/out
     * - 0.5 (clamped at 0) with weight 1 - l at floor(src) and l at the next sample (the last one repeats).
     * Entry [i][o] is the weight of input i in output o. Cached per size pair; callers must not write to it.
     */
    public static float[] weights(long in, long out) {
        return MATRICES.computeIfAbsent(in << 32 | out, k -> {
            float[] r = new float[(int) (in * out)];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double src = Math.max(0.0, scale * (o + 0.5) - 0.5);
                int i0 = (int) src;
                int i1 = i0 < in - 1 ? i0 + 1 : i0;
                double l1 = src - i0;
                r[(int) (i0 * out + o)] += (float) (1 - l1);
                r[(int) (i1 * out + o)] += (float) l1;
            }
            return r;
        });
    }
}
