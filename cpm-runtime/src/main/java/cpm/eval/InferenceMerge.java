package cpm.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The paper's inference merge (Sec. 3.1): mask logits are upsampled bilinearly to the output size, then each
 * pixel takes the label c_i of the query i maximising p_i(c_i) * sigmoid(m_i), over the queries whose top class
 * c_i is not no-object (a pixel no query covers is background). On a GPU as engine ops; on the CPU one pass over
 * the pixels in Java after the engine's upsampling and sigmoid (faster, the same numbers).
 */
public final class InferenceMerge {

    private InferenceMerge() {
    }

    /**
     * @param labels     (B,H,W) int64 merged label map
     * @param foreground (B,H,W) float32 in [0,1]: F / (F + G), where F (G) is the best score p_i(c_i) sigmoid(m_i)
     *                   among kept queries whose class is not (is) background; 0 where both are 0. It exceeds 0.5
     *                   exactly where the merged label is not background, so thresholding it at 0.5 gives the
     *                   merged binary map and its other thresholds give the per-image F-measure curve.
     */
    public record Merged(NDArray labels, NDArray foreground) {
    }

    /**
     * @param classProbs (B,N,C+1) class probabilities, index C = no-object
     * @param maskLogits (B,N,h,w)
     */
    public static Merged merge(NDArray classProbs, NDArray maskLogits, long outH, long outW) {
        return classProbs.getDevice().isGpu() ? onEngine(classProbs, maskLogits, outH, outW)
                : onHost(classProbs, maskLogits, outH, outW);
    }

    /** The merge as engine ops (on a GPU: nothing but the results leaves the device). */
    static Merged onEngine(NDArray classProbs, NDArray maskLogits, long outH, long outW) {
        Shape cs = check(classProbs, maskLogits);
        Shape ms = maskLogits.getShape();
        long b = cs.get(0);
        long n = cs.get(1);
        long noObject = cs.get(2) - 1;
        NDArray probs = classProbs.stopGradient();
        NDArray logits = maskLogits.stopGradient();
        if (ms.get(2) != outH || ms.get(3) != outW) {
            logits = logits.getNDArrayInternal().interpolation(new long[]{outH, outW}, 1, false);
        }
        NDArray score = probs.max(new int[]{2}).reshape(b, n, 1, 1);
        NDArray top = probs.argMax(2);                                          // (B,N) int64
        // 0/1 query masks (B,N,1,1): kept (top class is not no-object), and kept with a non-background class
        NDArray keep = top.neq(noObject).toType(DataType.FLOAT32, false).reshape(b, n, 1, 1);
        NDArray keepFg = top.neq(0).toType(DataType.FLOAT32, false).reshape(b, n, 1, 1).mul(keep);
        NDArray value = Activation.sigmoid(logits).mul(score);                  // (B,N,H,W), in [0,1]
        NDArray candidate = value.mul(keep).add(keep.sub(1f));                  // dropped queries: -1
        NDArray best = candidate.max(new int[]{1});                             // (B,H,W)
        NDArray winner = candidate.argMax(1);                                   // first maximum: deterministic
        NDArray offsets = probs.getManager().arange(0, b * n, n, DataType.INT64).reshape(b, 1, 1);
        NDArray labels = top.reshape(-1).take(winner.add(offsets))
                .mul(best.gte(0f).toType(DataType.INT64, false));               // no kept query: background
        NDArray f = value.mul(keepFg).max(new int[]{1});
        NDArray g = value.mul(keep.sub(keepFg)).max(new int[]{1});
        NDArray fg = f.div(f.add(g).maximum(1e-30f));                           // 0 where f = g = 0
        return new Merged(labels.toType(DataType.INT64, false), fg.toType(DataType.FLOAT32, false));
    }

    /**
     * The same merge with the engine's upsampling and sigmoid and then one pass over the pixels in Java, where the
     * engine made about ten over (B,N,H,W) (multiplies, two reductions over queries, an argmax; about a quarter of
     * an evaluation's CPU time at tiny's sizes, bench/NOTES.md). The arithmetic is the engine's: float products,
     * maxima and one float division per pixel, the first maximum winning a tie, so the results are identical
     * (InferenceMergeTest compares both).
     */
    static Merged onHost(NDArray classProbs, NDArray maskLogits, long outH, long outW) {
        Shape cs = check(classProbs, maskLogits);
        int b = (int) cs.get(0);
        int n = (int) cs.get(1);
        int c1 = (int) cs.get(2);
        NDArray logits = maskLogits.stopGradient();
        if (logits.getShape().get(2) != outH || logits.getShape().get(3) != outW) {
            logits = logits.getNDArrayInternal().interpolation(new long[]{outH, outW}, 1, false);
        }
        float[] sig = cpm.nn.HostCopies.floats("merge.sigmoid", Activation.sigmoid(logits));
        float[] p = cpm.nn.HostCopies.floats("merge.probs", classProbs.stopGradient());
        int hw = (int) (outH * outW);
        long[] labels = new long[b * hw];
        float[] fg = new float[b * hw];
        float[] score = new float[n];
        int[] top = new int[n];
        for (int i = 0; i < b; i++) {
            for (int q = 0; q < n; q++) {                       // max and first argmax over the classes
                int off = (i * n + q) * c1;
                int t = 0;
                for (int k = 1; k < c1; k++) {
                    if (p[off + k] > p[off + t]) {
                        t = k;
                    }
                }
                top[q] = t;
                score[q] = p[off + t];
            }
            for (int px = 0; px < hw; px++) {
                float best = Float.NEGATIVE_INFINITY;
                int winner = 0;
                float f = Float.NEGATIVE_INFINITY;
                float g = Float.NEGATIVE_INFINITY;
                for (int q = 0; q < n; q++) {
                    boolean kept = top[q] != c1 - 1;
                    float v = sig[(i * n + q) * hw + px] * score[q];
                    float candidate = kept ? v : -1f;
                    if (candidate > best) {
                        best = candidate;
                        winner = q;
                    }
                    boolean isFg = kept && top[q] != 0;
                    f = Math.max(f, isFg ? v : 0f);
                    g = Math.max(g, kept && !isFg ? v : 0f);
                }
                labels[i * hw + px] = best >= 0f ? top[winner] : 0;
                fg[i * hw + px] = f / Math.max(f + g, 1e-30f);
            }
        }
        NDManager m = classProbs.getManager();
        Shape out = new Shape(b, outH, outW);
        return new Merged(m.create(labels, out), m.create(fg, out));
    }

    private static Shape check(NDArray classProbs, NDArray maskLogits) {
        Shape cs = classProbs.getShape();
        Shape ms = maskLogits.getShape();
        if (cs.dimension() != 3 || ms.dimension() != 4 || cs.get(0) != ms.get(0) || cs.get(1) != ms.get(1)) {
            throw new IllegalArgumentException("merge: expected class probabilities (B,N,C+1) and mask logits"
                    + " (B,N,h,w), found " + cs + " and " + ms);
        }
        return cs;
    }
}
