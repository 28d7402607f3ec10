package cpm.nn;

import ai.djl.ndarray.NDArray;

/**
 * Bilinear resizing of NCHW maps (align_corners = false, as F.interpolate), with gradient. DJL has no
 * deconvolution on the PyTorch engine, so decoders upsample with this and a convolution.
 */
public final class Resize {

    private Resize() {
    }

    /** x (B,C,H,W) resized to (h,w); returned as is when the size already matches. */
    public static NDArray bilinear(NDArray x, long h, long w) {
        long[] s = x.getShape().getShape();
        if (s[2] == h && s[3] == w) {
            return x;
        }
        return x.getNDArrayInternal().interpolation(new long[] {h, w}, 1, false);
    }
}
