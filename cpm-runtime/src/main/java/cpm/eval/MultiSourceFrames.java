package cpm.eval;

/**
 * CAVP's "MS" subset of a test set: the frames whose ground truth holds more than 2 labels (background counts as
 * one) with more than 100 pixels each. CAVP reports multi-source scores on it; the pixel counts are taken at the
 * resolution the toolkit evaluates at (the labels' size after data.resize), which for CAVP is the original one.
 */
public final class MultiSourceFrames {

    /** A label counts when it covers more than this many pixels of the frame. */
    public static final int MIN_PIXELS_EXCLUSIVE = 100;
    /** A frame is in the subset when more than this many labels count. */
    public static final int MIN_LABELS_EXCLUSIVE = 2;

    private MultiSourceFrames() {
    }

    /** Whether a frame's ground truth (classes 0..classes-1; others are reported) is in the subset. */
    public static boolean contains(int[] gtLabels, int classes) {
        int[] count = new int[classes];
        for (int i = 0; i < gtLabels.length; i++) {
            int g = gtLabels[i];
            if (g < 0 || g >= classes) {
                throw new IllegalArgumentException("metrics: pixel " + i + " has ground-truth class " + g
                        + ", expected 0.." + (classes - 1));
            }
            count[g]++;
        }
        int labels = 0;
        for (int n : count) {
            labels += n > MIN_PIXELS_EXCLUSIVE ? 1 : 0;
        }
        return labels > MIN_LABELS_EXCLUSIVE;
    }
}
