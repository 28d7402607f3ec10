package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;

import java.util.SplittableRandom;

/**
 * Mask2Former's {@code point_sample}: bilinear values of (M,h,w) maps at P points given in normalised
 * coordinates [0,1)^2 (grid_sample with align_corners=false and zero padding). The points are shared by all
 * maps, so their corner indices and weights are computed once in Java and the sampling is four column
 * gathers of the flattened maps: differentiable, no loop over pixels.
 */
public final class PointSampler {

    private final double[] xs;
    private final double[] ys;

    private PointSampler(double[] xs, double[] ys) {
        this.xs = xs;
        this.ys = ys;
    }

    /** P uniform random points from the generator (the same points for predictions and targets). */
    public static PointSampler uniform(int points, SplittableRandom rnd) {
        double[] xs = new double[points];
        double[] ys = new double[points];
        for (int i = 0; i < points; i++) {
            xs[i] = rnd.nextDouble();
            ys[i] = rnd.nextDouble();
        }
        return new PointSampler(xs, ys);
    }

    /** The centres of every pixel of an h x w grid, row-major (sampling an h x w map there is the identity). */
    public static PointSampler grid(long h, long w) {
        int n = (int) (h * w);
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = (i % w + 0.5) / w;
            ys[i] = (i / w + 0.5) / h;
        }
        return new PointSampler(xs, ys);
    }

    public int size() {
        return xs.length;
    }

    /** Samples (M,h,w) maps at the points: (M,P), in the maps' manager. */
    public NDArray sample(NDArray maps) {
        long m = maps.getShape().get(0);
        int h = (int) maps.getShape().get(1);
        int w = (int) maps.getShape().get(2);
        int p = xs.length;
        NDArray flat = maps.reshape(m, (long) h * w);
        NDManager mgr = maps.getManager();
        NDArray out = null;
        for (int corner = 0; corner < 4; corner++) {
            long[] idx = new long[p];
            float[] wt = new float[p];
            for (int i = 0; i < p; i++) {
                double x = xs[i] * w - 0.5;
                double y = ys[i] * h - 0.5;
                int x0 = (int) Math.floor(x);
                int y0 = (int) Math.floor(y);
                int cx = x0 + (corner & 1);
                int cy = y0 + (corner >> 1);
                double wx = (corner & 1) == 1 ? x - x0 : 1 - (x - x0);
                double wy = (corner >> 1) == 1 ? y - y0 : 1 - (y - y0);
                boolean inside = cx >= 0 && cx < w && cy >= 0 && cy < h;
                idx[i] = inside ? (long) cy * w + cx : 0;
                wt[i] = inside ? (float) (wx * wy) : 0f;
            }
            NDArray term = flat.get(new NDIndex(":, {}", mgr.create(idx))).mul(mgr.create(wt).reshape(1, p));
            out = out == null ? term : out.add(term);
        }
        return out;
    }
}
