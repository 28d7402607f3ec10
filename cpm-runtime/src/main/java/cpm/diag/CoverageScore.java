package cpm.diag;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The coverage score of Fig. 3b: per item, the set of classes predicted after the last audio decoder layer (each
 * query's top class, when it is neither no-object nor background and its probability exceeds 0.5) against the
 * set of ground-truth classes (background excluded); the Jaccard index |P n G| / |P u G| (1 when both are empty),
 * averaged over items.
 */
public final class CoverageScore {

    private static final double THRESHOLD = 0.5;

    private double sum;
    private int items;
    /** Each item's Jaccard index in the order added, so parts of a split scored apart join exactly. */
    private double[] values = new double[16];

    /**
     * @param classProbsAfterAudio (B, N, C + 1) class probabilities (softmax or GMM posterior) after the last
     *                             audio layer; index C is no-object
     * @param gtClassesPresent     (B)(C) whether each class is in the item's ground truth; index 0 (background)
     *                             is ignored
     */
    public void add(NDArray classProbsAfterAudio, boolean[][] gtClassesPresent) {
        Shape s = classProbsAfterAudio.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("Coverage: class probabilities have shape " + s
                    + ", expected (B, N, C + 1)");
        }
        int b = (int) s.get(0);
        int n = (int) s.get(1);
        int c1 = (int) s.get(2);
        if (gtClassesPresent.length != b) {
            throw new IllegalArgumentException("Coverage: " + gtClassesPresent.length + " ground-truth rows, expected "
                    + b);
        }
        float[] p = classProbsAfterAudio.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < b; i++) {
            if (gtClassesPresent[i].length != c1 - 1) {
                throw new IllegalArgumentException("Coverage: ground-truth row " + i + " has "
                        + gtClassesPresent[i].length + " classes, expected " + (c1 - 1));
            }
            boolean[] pred = new boolean[c1 - 1];
            for (int q = 0; q < n; q++) {
                int off = (i * n + q) * c1;
                int best = 0;
                for (int c = 1; c < c1; c++) {
                    if (p[off + c] > p[off + best]) {
                        best = c;
                    }
                }
                if (best != c1 - 1 && best != 0 && p[off + best] > THRESHOLD) {
                    pred[best] = true;
                }
            }
            int inter = 0;
            int union = 0;
            for (int c = 1; c < c1 - 1; c++) {
                boolean g = gtClassesPresent[i][c];
                if (g && pred[c]) {
                    inter++;
                }
                if (g || pred[c]) {
                    union++;
                }
            }
            addItem(union == 0 ? 1.0 : inter / (double) union);
        }
    }

    /** Adds the items of another score (a part of the split scored elsewhere) after those added here. */
    public void addAll(double[] itemScores) {
        for (double v : itemScores) {
            addItem(v);
        }
    }

    /** The items' Jaccard indices in the order they were added. */
    public double[] itemScores() {
        return java.util.Arrays.copyOf(values, items);
    }

    private void addItem(double jaccard) {
        if (items == values.length) {
            values = java.util.Arrays.copyOf(values, 2 * items);
        }
        values[items] = jaccard;
        sum += jaccard;
        items++;
    }

    /** Mean Jaccard index over the items added; NaN when none. */
    public double score() {
        return items == 0 ? Double.NaN : sum / items;
    }

    public int items() {
        return items;
    }

    public void reset() {
        sum = 0;
        items = 0;
    }
}
