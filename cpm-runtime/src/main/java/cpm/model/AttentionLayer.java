package cpm.model;

import ai.djl.ndarray.NDArray;
import cpm.nn.Dropout;
import cpm.nn.LayerNorm;
import cpm.nn.MultiHeadAttention;
import cpm.nn.Weights;

/**
 * One attention sub-layer of the transformer decoder with its residual and layer norm (Mask2Former's
 * CrossAttentionLayer / SelfAttentionLayer): positions are added to queries and keys, not to values. Post-norm:
 * {@code norm(t + drop(attn(t + pos, k + kpos, v)))}; pre-norm: {@code t + drop(attn(norm(t) + pos, ...))}.
 * Self-attention is the same layer with the keys and values taken from the (normalised) queries.
 */
final class AttentionLayer {

    private final MultiHeadAttention attn;
    private final LayerNorm norm;
    private final Dropout dropout;
    private final boolean pre;

    AttentionLayer(Weights w, long dim, int heads, boolean pre, Dropout dropout) {
        this.attn = new MultiHeadAttention(w.child("attn"), dim, heads);
        this.norm = new LayerNorm(w.child("norm"), dim);
        this.pre = pre;
        this.dropout = dropout;
    }

    /**
     * @param mask null or (B, Lq, Lk) boolean, true = blocked
     */
    NDArray cross(NDArray tgt, NDArray qpos, NDArray memory, NDArray memoryPos, NDArray mask, boolean training) {
        if (pre) {
            NDArray t2 = attn.forward(norm.forward(tgt).add(qpos), memory.add(memoryPos), memory, mask);
            return tgt.add(dropout.forward(t2, training));
        }
        NDArray t2 = attn.forward(tgt.add(qpos), memory.add(memoryPos), memory, mask);
        return norm.forward(tgt.add(dropout.forward(t2, training)));
    }

    NDArray self(NDArray tgt, NDArray qpos, boolean training) {
        NDArray src = pre ? norm.forward(tgt) : tgt;
        NDArray qk = src.add(qpos);
        NDArray t2 = attn.forward(qk, qk, src, null);
        return pre ? tgt.add(dropout.forward(t2, training)) : norm.forward(tgt.add(dropout.forward(t2, training)));
    }
}
