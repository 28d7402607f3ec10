package cpm.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The paper's inference merge (Sec. 3.1): mask logits are upsampled bilinearly to the output size, then each
 * pixel takes the label c_i of the query i maximising p_i(c_i) * sigmoid(m_i), over the queries whose top class
 * c_i is not no-object (a pixel no query covers is background). Batched: no loop over queries or pixels.
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
        Shape cs = classProbs.getShape();
        Shape ms = maskLogits.getShape();
        if (cs.dimension() != 3 || ms.dimension() != 4 || cs.get(0) != ms.get(0) || cs.get(1) != ms.get(1)) {
            throw new IllegalArgumentException("merge: expected class probabilities (B,N,C+1) and mask logits"
                    + " (B,N,h,w), found " + cs + " and " + ms);
        }
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
}
