package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Fixed sine positional encoding over a 2-D grid (DETR / Mask2Former "PositionEmbeddingSine", normalised
 * coordinates, scale 2 pi, temperature 10000): the first D/2 channels encode the row (image y, or audio
 * time), the last D/2 the column (image x, or audio frequency); within each half even channels are sines and
 * odd channels cosines.
 */
public final class SineEncoding {

    private SineEncoding() {
    }

    /** The encoding as Java floats, row-major over (h, w), then channel: (h*w*dim). */
    public static float[] values(long h, long w, long dim) {
        if (dim % 2 != 0) {
            throw new IllegalArgumentException("sine positional encoding needs an even width, got " + dim);
        }
        int half = (int) (dim / 2);
        double eps = 1e-6;
        double scale = 2 * Math.PI;
        double[] dimT = new double[half];
        for (int j = 0; j < half; j++) {
            dimT[j] = Math.pow(10000.0, 2.0 * (j / 2) / half);
        }
        float[] out = new float[(int) (h * w * dim)];
        for (int y = 0; y < h; y++) {
            double ye = (y + 1) / (h + eps) * scale;
            for (int x = 0; x < w; x++) {
                double xe = (x + 1) / (w + eps) * scale;
                int base = (int) ((y * w + x) * dim);
                for (int j = 0; j < half; j++) {
                    double py = ye / dimT[j];
                    double px = xe / dimT[j];
                    out[base + j] = (float) (j % 2 == 0 ? Math.sin(py) : Math.cos(py));
                    out[base + half + j] = (float) (j % 2 == 0 ? Math.sin(px) : Math.cos(px));
                }
            }
        }
        return out;
    }

    /** (1, h*w, dim) in the given manager (use the activations' manager, not the parameters'). */
    public static NDArray tokens(NDManager manager, long h, long w, long dim) {
        return manager.create(values(h, w, dim), new Shape(1, h * w, dim));
    }
}
