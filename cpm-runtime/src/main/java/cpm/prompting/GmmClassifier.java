package cpm.prompting;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import cpm.model.Classifier;

/**
 * The generative classifier of CCDM (Eq. 1): logits = log p(q~ | c) / temperature over the L2-normalised mask
 * embeddings q~. With the uniform prior p(c), softmax of these logits is exactly the posterior p(c | q~) of Eq. 1
 * (at temperature 1). The query features are not used: the class is read from the mask embedding alone.
 */
public final class GmmClassifier implements Classifier {

    private final GaussianMixture gmm;
    private final double temperature;

    public GmmClassifier(GaussianMixture gmm, double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("classifier.temperature: found " + temperature + ", expected > 0");
        }
        this.gmm = gmm;
        this.temperature = temperature;
    }

    @Override
    public NDArray logits(NDArray queries, NDArray maskEmbed) {
        Shape s = maskEmbed.getShape();
        if (s.dimension() != 3 || s.get(2) != gmm.dim()) {
            throw new IllegalArgumentException("GmmClassifier: mask embeddings have shape " + s + ", expected (B, N, "
                    + gmm.dim() + ")");
        }
        NDArray x = normalise(maskEmbed).reshape(s.get(0) * s.get(1), s.get(2));
        NDArray ll = gmm.logLikelihood(x);
        if (temperature != 1.0) {
            ll = ll.div(Scalars.of(temperature));
        }
        return ll.reshape(s.get(0), s.get(1), gmm.classes());
    }

    @Override
    public int numClasses() {
        return gmm.classes() - 1;
    }

    public GaussianMixture mixture() {
        return gmm;
    }

    public double temperature() {
        return temperature;
    }

    /** L2 normalisation over the last axis, smooth at 0 (the space CCDM models, spec/method.md). */
    public static NDArray normalise(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.div(x.square().sum(new int[] {last}, true).add(1e-12).sqrt());
    }
}
