package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention from batched matMul/softmax (DJL has no fused op). An optional
 * boolean mask (true = may not attend) is applied additively; rows where everything is masked are un-masked
 * first, as Mask2Former does, because an all -inf row gives NaN in the output and the gradient.
 */
public final class MultiHeadAttention {

    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear out;
    private final int heads;
    private final long dim;

    public MultiHeadAttention(Weights w, long dim, int heads) {
        this.q = new Linear(w.child("q"), dim, dim);
        this.k = new Linear(w.child("k"), dim, dim);
        this.v = new Linear(w.child("v"), dim, dim);
        this.out = new Linear(w.child("out"), dim, dim);
        this.heads = heads;
        this.dim = dim;
    }

    /**
     * @param query (B, Lq, D)
     * @param key   (B, Lk, D)
     * @param value (B, Lk, D)
     * @param mask  null, or (B, Lq, Lk) / (B, heads, Lq, Lk) boolean, true where attention is blocked
     * @return (B, Lq, D)
     */
    public NDArray forward(NDArray query, NDArray key, NDArray value, NDArray mask) {
        long b = query.getShape().get(0);
        long lq = query.getShape().get(1);
        long lk = key.getShape().get(1);
        long hd = dim / heads;
        NDArray qh = q.forward(query).reshape(b, lq, heads, hd).transpose(0, 2, 1, 3);
        NDArray kh = k.forward(key).reshape(b, lk, heads, hd).transpose(0, 2, 3, 1);
        NDArray vh = v.forward(value).reshape(b, lk, heads, hd).transpose(0, 2, 1, 3);
        NDArray scores = Precision.matMul(qh, kh).div(Scalars.of((float) Math.sqrt(hd)));
        if (mask != null) {
            NDArray m = mask.getShape().dimension() == 3 ? mask.expandDims(1) : mask;
            NDArray allMasked = m.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                    .min(new int[] {-1}, true).eq(1f);
            NDArray effective = m.logicalAnd(allMasked.logicalNot());
            scores = scores.add(effective.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(Scalars.of(-1e9f)));
        }
        NDArray attn = scores.softmax(-1);
        NDArray ctx = Precision.matMul(attn, vh).transpose(0, 2, 1, 3).reshape(new Shape(b, lq, dim));
        return out.forward(ctx);
    }
}
