package cpm.model;

/**
 * Analytic operation counts (2 x multiply-adds) of convolutions and matrix products, and the output sizes of
 * the convolutions used here (padding kernel/2), for {@link AvsModel#flopsPerImage()}.
 */
final class Flops {

    private Flops() {
    }

    /** Output length of a convolution or pooling with padding kernel/2 along one axis. */
    static long out(long in, int kernel, int stride) {
        return (in + 2L * (kernel / 2) - kernel) / stride + 1;
    }

    static long conv(long cin, long cout, int kernel, long hout, long wout) {
        return 2L * cin * cout * kernel * kernel * hout * wout;
    }

    static long linear(long rows, long in, long out) {
        return 2L * rows * in * out;
    }

    /** Multi-head attention of lq queries over lk keys, width d: 4 projections and two batched products. */
    static long attention(long lq, long lk, long d) {
        return linear(lq, d, d) + 2 * linear(lk, d, d) + linear(lq, d, d) + 2L * lq * lk * d * 2;
    }
}
