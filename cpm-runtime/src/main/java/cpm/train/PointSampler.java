package cpm.train;

import cpm.nn.GridSample;
import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Mask2Former's {@code point_sample}: bilinear values of (M,h,w) maps at P points given in normalised
 * coordinates [0,1)^2 (grid_sample with align_corners=false and zero padding). Shared points (the matcher's)
 * get their corner indices and weights once in Java, and sampling is four column gathers of the flattened
 * maps; per-row points (the losses', {@link #uncertainRows}) use the same rule in tensor ops. Differentiable
 * in the maps, no loop over pixels; coordinates come from a seeded generator.
 */
public final class PointSampler {

    private final double[] xs;
    private final double[] ys;
    private final boolean grid;

    private PointSampler(double[] xs, double[] ys, boolean grid) {
        this.xs = xs;
        this.ys = ys;
        this.grid = grid;
    }

    /** P uniform random points from the generator (the same points for predictions and targets). */
    public static PointSampler uniform(int points, SplittableRandom rnd) {
        double[] xs = new double[points];
        double[] ys = new double[points];
        for (int i = 0; i < points; i++) {
            xs[i] = rnd.nextDouble();
            ys[i] = rnd.nextDouble();
        }
        return new PointSampler(xs, ys, false);
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
        return new PointSampler(xs, ys, true);
    }

    public int size() {
        return xs.length;
    }

    /**
     * Samples (M,h,w) maps at the points: (M,P), in the maps' manager. Random points (the paper presets' 12544) go
     * through one grid_sample kernel ({@link GridSample}): written as four gathers, products and sums over the (M,P)
     * result they took ~5 s of an 11 s paper-avss step. A grid of pixel centres (matcher.points 0, the tiny
     * presets: the labels brought to the mask grid) keeps the gathers with weights computed in double, whose
     * values the tiny results documented in README.md and docs/ were computed with.
     */
    public NDArray sample(NDArray maps) {
        return grid ? gathered(maps) : sampled(maps);
    }

    private NDArray sampled(NDArray maps) {
        int p = xs.length;
        float[] g = new float[2 * p];
        for (int i = 0; i < p; i++) { // [0, 1) -> [-1, 1): grid_sample's coordinates without align_corners
            g[2 * i] = (float) (2 * xs[i] - 1);
            g[2 * i + 1] = (float) (2 * ys[i] - 1);
        }
        NDArray grid = maps.getManager().create(g, new Shape(1, 1, p, 2));
        return GridSample.shared(maps.toType(DataType.FLOAT32, false), grid);
    }

    private NDArray gathered(NDArray maps) {
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
            // the point indices broadcast over the rows (no copy): the same copies as advanced indexing, faster
            NDArray cols = mgr.create(idx).reshape(1, p).broadcast(new Shape(m, p));
            NDArray term = flat.gather(cols, 1).mul(mgr.create(wt).reshape(1, p));
            out = out == null ? term : out.add(term);
        }
        return out;
    }

    /**
     * Each row at its own points: maps (M,h,w), coordinates xs, ys (M,P) in [0,1) (no gradient through them).
     * Same bilinear rule as {@link #sample}; corner indices come from tensor ops and one gather per corner.
     */
    public static NDArray sampleRows(NDArray maps, NDArray xs, NDArray ys) {
        long m = maps.getShape().get(0);
        long h = maps.getShape().get(1);
        long w = maps.getShape().get(2);
        NDArray flat = maps.reshape(m, h * w);
        NDArray x = xs.stopGradient().mul(Scalars.of(w)).sub(0.5f);
        NDArray y = ys.stopGradient().mul(Scalars.of(h)).sub(0.5f);
        NDArray x0 = x.floor();
        NDArray y0 = y.floor();
        NDArray fx = x.sub(x0);
        NDArray fy = y.sub(y0);
        NDArray out = null;
        for (int corner = 0; corner < 4; corner++) {
            NDArray cx = x0.add(corner & 1);
            NDArray cy = y0.add(corner >> 1);
            NDArray inside = cx.gte(0f).logicalAnd(cx.lte(w - 1f)).logicalAnd(cy.gte(0f)).logicalAnd(cy.lte(h - 1f))
                    .toType(maps.getDataType(), false);
            NDArray weight = ((corner & 1) == 1 ? fx : fx.neg().add(1f))
                    .mul((corner >> 1) == 1 ? fy : fy.neg().add(1f)).toType(maps.getDataType(), false).mul(inside);
            NDArray idx = cy.clip(0, h - 1).mul(Scalars.of(w)).add(cx.clip(0, w - 1)).toType(DataType.INT64, false);
            NDArray term = flat.gather(idx, 1).mul(weight);
            out = out == null ? term : out.add(term);
        }
        return out;
    }

    /** (M,P) uniform random coordinates from the generator, as float32 tensors {xs, ys} in the given manager. */
    public static NDArray[] uniformRows(NDManager mgr, long rows, int points, SplittableRandom rnd) {
        float[] xs = new float[(int) (rows * points)];
        float[] ys = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rnd.nextDouble();
            ys[i] = (float) rnd.nextDouble();
        }
        Shape s = new Shape(rows, points);
        return new NDArray[]{mgr.create(xs, s), mgr.create(ys, s)};
    }

    /**
     * Mask2Former's {@code get_uncertain_point_coords_with_randomness} for the mask losses: from
     * {@code oversample * points} random points per mask, keep the {@code importance * points} where the
     * prediction is least certain (smallest |logit|), and add random points for the rest. Returns {xs, ys}
     * (M, points).
     */
    public static NDArray[] uncertainRows(NDArray predLogits, int points, double oversample, double importance,
                                          SplittableRandom rnd) {
        NDManager mgr = predLogits.getManager();
        long m = predLogits.getShape().get(0);
        int sampled = (int) Math.round(points * oversample);
        int certain = (int) Math.round(points * importance);
        NDArray[] pool = uniformRows(mgr, m, sampled, rnd);
        NDArray[] rest = uniformRows(mgr, m, points - certain, rnd);
        if (certain == 0) {
            return rest;
        }
        NDArray uncertainty = sampleRows(predLogits.stopGradient(), pool[0], pool[1]).abs().neg();
        NDArray idx = uncertainty.topK(certain, 1, true, true).get(1);
        NDArray xs = pool[0].gather(idx, 1);
        NDArray ys = pool[1].gather(idx, 1);
        if (certain == points) {
            return new NDArray[]{xs, ys};
        }
        return new NDArray[]{xs.concat(rest[0], 1), ys.concat(rest[1], 1)};
    }
}
