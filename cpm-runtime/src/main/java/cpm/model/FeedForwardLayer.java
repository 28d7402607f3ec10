package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import cpm.nn.Dropout;
import cpm.nn.LayerNorm;
import cpm.nn.Linear;
import cpm.nn.Weights;

/** The decoder's FFN sub-layer (linear, ReLU, dropout, linear) with residual and layer norm (pre or post). */
final class FeedForwardLayer {

    private final Linear l1;
    private final Linear l2;
    private final LayerNorm norm;
    private final Dropout dropout;
    private final boolean pre;

    FeedForwardLayer(Weights w, long dim, long ffn, boolean pre, Dropout dropout) {
        this.l1 = new Linear(w.child("linear1"), dim, ffn);
        this.l2 = new Linear(w.child("linear2"), ffn, dim);
        this.norm = new LayerNorm(w.child("norm"), dim);
        this.pre = pre;
        this.dropout = dropout;
    }

    NDArray forward(NDArray tgt, boolean training) {
        NDArray src = pre ? norm.forward(tgt) : tgt;
        NDArray h = l2.forward(dropout.forward(Activation.relu(l1.forward(src)), training));
        NDArray out = tgt.add(dropout.forward(h, training));
        return pre ? out : norm.forward(out);
    }
}
