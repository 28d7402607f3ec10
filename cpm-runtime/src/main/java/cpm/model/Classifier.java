package cpm.model;

import ai.djl.ndarray.NDArray;

/**
 * The seam where the class head plugs into the decoder: a softmax head on the query features (point
 * representation, {@link SoftmaxClassifier}) or the class-conditional GMM on the mask embeddings (CCDM,
 * Eq. 1, {@code cpm.prompting.GmmClassifier}).
 */
public interface Classifier {

    /**
     * Class logits over the C classes and the no-object class (last index).
     *
     * @param queries   (B, N, D) decoder output after the final layer norm
     * @param maskEmbed (B, N, Dq) mask embeddings q~
     * @return (B, N, C + 1)
     */
    NDArray logits(NDArray queries, NDArray maskEmbed);

    /** C, the number of classes (background included, no-object excluded). */
    int numClasses();
}
