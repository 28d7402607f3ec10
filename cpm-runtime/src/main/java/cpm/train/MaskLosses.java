package cpm.train;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

/**
 * The losses of Sec. 3.1 (l_agn = l_ce + l_mask, Mask2Former / AVSegFormer form): weighted cross-entropy over
 * C+1 classes, sigmoid focal loss and dice loss on mask logits. Each returns a scalar with gradient.
 */
public final class MaskLosses {

    private MaskLosses() {
    }

    /**
     * Weighted mean cross-entropy as in Mask2Former: class weight 1 for the C classes and {@code noObjectWeight}
     * for index C (no-object); the mean divides by the sum of the weights of the targets.
     *
     * @param classLogits   (M,C+1)
     * @param targetClasses (M) int64 in [0, C]
     */
    public static NDArray crossEntropy(NDArray classLogits, NDArray targetClasses, float noObjectWeight) {
        return crossEntropy(classLogits, targetClasses, noObjectWeight, 1);
    }

    /**
     * The sum over {@code groups} equal consecutive blocks of rows (decoder layers stacked by deep supervision)
     * of each block's weighted mean cross-entropy.
     */
    public static NDArray crossEntropy(NDArray classLogits, NDArray targetClasses, float noObjectWeight,
                                       int groups) {
        long noObject = classLogits.getShape().get(1) - 1;
        NDArray y = targetClasses.toType(DataType.INT64, false).reshape(-1, 1);
        NDArray nll = classLogits.logSoftmax(1).gather(y, 1).neg().reshape(groups, -1);
        NDArray w = y.reshape(groups, -1).eq(noObject).toType(classLogits.getDataType(), false)
                .mul(Scalars.of((double) noObjectWeight - 1.0)).add(1.0);
        return nll.mul(w).sum(new int[] {1}).div(w.sum(new int[] {1}).maximum(Scalars.of(1e-12f))).sum();
    }

    /**
     * Sigmoid focal loss (RetinaNet, as in Mask2Former's {@code sigmoid_focal_loss}): per point
     * alpha_t * (1 - p_t)^gamma * BCE, mean over points, summed over masks, divided by numMasks.
     *
     * @param maskLogits (K,P)
     * @param targets    (K,P) in [0,1]
     */
    public static NDArray focal(NDArray maskLogits, NDArray targets, float alpha, float gamma, float numMasks) {
        NDArray x = maskLogits;
        NDArray t = targets.toType(x.getDataType(), false);
        NDArray p = Activation.sigmoid(x);
        NDArray ce = HungarianMatcher.softplus(x).sub(x.mul(t));           // BCE with logits
        NDArray pt = p.mul(t).add(p.neg().add(1f).mul(t.neg().add(1f)));
        NDArray loss = ce.mul(pt.neg().add(1f).pow(Scalars.of(gamma)));
        if (alpha >= 0) {
            loss = loss.mul(t.mul(Scalars.of(alpha)).add(t.neg().add(1f).mul(Scalars.of(1f - alpha))));
        }
        return loss.mean(new int[]{1}).sum().div(Scalars.of(numMasks));
    }

    /**
     * Dice loss: 1 - (2 sum(p t) + 1) / (sum p + sum t + 1) per mask, summed, divided by numMasks. The +1
     * smoothing makes an empty target with an empty prediction cost 0.
     */
    public static NDArray dice(NDArray maskLogits, NDArray targets, float numMasks) {
        NDArray p = Activation.sigmoid(maskLogits);
        NDArray t = targets.toType(p.getDataType(), false);
        NDArray numer = p.mul(t).sum(new int[]{1}).mul(Scalars.of(2f)).add(1f);
        NDArray denom = p.sum(new int[]{1}).add(t.sum(new int[]{1})).add(1f);
        return numer.div(denom).neg().add(1f).sum().div(Scalars.of(numMasks));
    }
}
