package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import cpm.data.BatchLoader;

import java.util.ArrayList;
import java.util.List;

/**
 * Ground-truth segments of a batch (Sec. 3.1, set prediction): per image the classes present in its label map
 * (background included: it is one of the C classes) in increasing class order, and their binary masks,
 * nearest-resized to the mask resolution. All masks of the batch are also kept concatenated
 * ({@link #allMasks()}) so that matching and losses run as a few batched tensor ops.
 */
public final class Targets {

    private final int numClasses;
    private final int[][] classes;
    private final int[] offsets;
    private final NDArray allMasks;
    private final NDArray valid;

    private Targets(int numClasses, int[][] classes, NDArray allMasks, NDArray valid) {
        this.numClasses = numClasses;
        this.classes = classes;
        this.allMasks = allMasks;
        this.valid = valid;
        this.offsets = new int[classes.length + 1];
        for (int b = 0; b < classes.length; b++) {
            offsets[b + 1] = offsets[b] + classes[b].length;
        }
    }

    /**
     * @param labels (B,H,W) int64 class indices in [0, numClasses), or {@link BatchLoader#IGNORE} where padded
     * @param maskH  height of the target masks (the prediction's mask resolution)
     * @param maskW  width of the target masks
     */
    public static Targets fromLabels(NDArray labels, int numClasses, long maskH, long maskW) {
        return fromLabels(labels, null, numClasses, maskH, maskW);
    }

    /** As {@link #fromLabels(NDArray, int, long, long)}, with the labels' host copy when the caller has it. */
    public static Targets fromLabels(NDArray labels, long[] host, int numClasses, long maskH, long maskW) {
        Shape s = labels.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("labels: expected shape (B,H,W), found " + s);
        }
        int batch = (int) s.get(0);
        long h = s.get(1);
        long w = s.get(2);
        // Presence per image: one pass over the labels copied once (DJL has no bincount); it also checks the range.
        long[] flat = host != null ? host : cpm.nn.HostCopies.longs("targets.labels", labels);
        int per = (int) (h * w);
        int[][] classes = new int[batch][];
        boolean padded = false;
        for (int b = 0; b < batch; b++) {
            boolean[] present = new boolean[numClasses];
            int count = 0;
            for (int p = b * per, end = p + per; p < end; p++) {
                long c = flat[p];
                if (c == BatchLoader.IGNORE) {
                    padded = true; // padding (data.resize pad): in no target mask
                    continue;
                }
                if (c < 0 || c >= numClasses) {
                    throw new IllegalArgumentException("labels: found class " + c + " in image " + b
                            + ", expected 0.." + (numClasses - 1) + " (data.classes has " + numClasses + " classes)");
                }
                if (!present[(int) c]) {
                    present[(int) c] = true;
                    count++;
                }
            }
            classes[b] = new int[count];
            for (int c = 0, k = 0; c < numClasses; c++) {
                if (present[c]) {
                    classes[b][k++] = c;
                }
            }
        }
        NDArray resized = labels;
        if (h != maskH || w != maskW) {
            NDArray f = labels.toType(DataType.FLOAT32, false).reshape(batch, 1, h, w);
            resized = f.getNDArrayInternal().interpolation(new long[]{maskH, maskW}, 0, false)
                    .reshape(batch, maskH, maskW).round().toType(DataType.INT64, false);
        }
        List<NDArray> parts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            if (classes[b].length == 0) {
                continue;
            }
            long[] ids = new long[classes[b].length];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = classes[b][k];
            }
            NDArray idArr = labels.getManager().create(ids).reshape(ids.length, 1, 1);
            parts.add(resized.get(b).expandDims(0).eq(idArr).toType(DataType.FLOAT32, false));
        }
        NDArray all = parts.isEmpty()
                ? labels.getManager().zeros(new Shape(0, maskH, maskW))
                : parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 0);
        NDArray valid = padded ? resized.neq(BatchLoader.IGNORE).toType(DataType.FLOAT32, false) : null;
        return new Targets(numClasses, classes, all, valid);
    }

    /** (B, maskH, maskW) 1 where a pixel is labelled, 0 where padded; null when no pixel of the batch is padded. */
    public NDArray valid() {
        return valid;
    }

    public int batchSize() {
        return classes.length;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Classes present in image b, increasing. */
    public int[] classes(int b) {
        return classes[b].clone();
    }

    /** (K_b, maskH, maskW) float32 0/1 masks of image b, in the order of {@link #classes(int)}. */
    public NDArray masks(int b) {
        return allMasks.get(offsets[b] + ":" + offsets[b + 1]);
    }

    /** Every target mask of the batch, image after image: (sum K_b, maskH, maskW). */
    public NDArray allMasks() {
        return allMasks;
    }

    /** Index of image b's first target in {@link #allMasks()}. */
    public int offset(int b) {
        return offsets[b];
    }

    /** Total number of targets in the batch. */
    public int total() {
        return offsets[classes.length];
    }

    /** Class of target k of image b. */
    public int classOf(int b, int k) {
        return classes[b][k];
    }
}
