package cpm.model;

import ai.djl.ndarray.NDArray;
import cpm.nn.Linear;
import cpm.nn.Weights;

/**
 * The point-representation class head of Mask2Former / AVSegFormer (Table 5 "Point Rep."): a linear map of the
 * decoder's query features to C + 1 logits (the last one no-object), trained with softmax cross-entropy.
 */
public final class SoftmaxClassifier implements Classifier {

    private final Linear head;
    private final int numClasses;

    public SoftmaxClassifier(Weights w, long dim, int numClasses) {
        this.head = new Linear(w, dim, numClasses + 1L);
        this.numClasses = numClasses;
    }

    @Override
    public NDArray logits(NDArray queries, NDArray maskEmbed) {
        return head.forward(queries);
    }

    @Override
    public int numClasses() {
        return numClasses;
    }
}
