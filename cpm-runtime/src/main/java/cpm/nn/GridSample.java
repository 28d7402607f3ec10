package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear sampling of maps at points with zeros outside (torch's grid_sample, align_corners false), as one libtorch
 * kernel: DJL 0.36.0's JNI has no grid_sample, and written as four gathers, products and sums of (M, P) tensors it
 * took ~5 s of an 11 s paper-avss step (2600 maps of 56 x 56, 12544 points; bench/NOTES.md, change 20). The kernel
 * is a {@link ScriptKernels} module, so autograd records it.
 */
public final class GridSample {

    private GridSample() {
    }

    /**
     * @param maps (M, h, w)
     * @param grid (1, 1, P, 2) point coordinates (x then y) normalised to [-1, 1] over the maps' extent (pixel
     *             centres at (2i + 1) / n - 1), the same points for every map
     * @return (M, P)
     */
    public static NDArray shared(NDArray maps, NDArray grid) {
        Shape s = maps.getShape();
        NDArray x = maps.reshape(s.get(0), 1, s.get(1), s.get(2));
        NDArray out = ScriptKernels.run("grid_sample_shared", "torch.grid_sampler(x, torch.expand(y, [torch.size(x, 0), "
                + "1, torch.size(y, 2), 2]), 0, 0, False)", x, grid);
        return out.reshape(s.get(0), grid.getShape().get(2));
    }
}
