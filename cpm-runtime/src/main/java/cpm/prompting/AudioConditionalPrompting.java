package cpm.prompting;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * Audio conditional prompting (ACP, Sec. 3.2, Eq. 5): the prompts' audio masks m_k^a, summed over the sounding
 * classes and squashed by a sigmoid, must reproduce the ratio mask a_i / a_p of the clean spectrogram in the
 * mixture a_p = a_i + a_j. Eq. 5 writes an L2 norm over the time-frequency bins (cpm.acpLoss l2, the default);
 * the text calls it MSE, the mean of the squared errors (cpm.acpLoss mse), which over ~4,000-26,000 bins is
 * about 1/sqrt(bins) of the norm and left l_ACP at ~1% of the objective (docs/method.md). Images without any real
 * prompt do not count.
 */
public final class AudioConditionalPrompting {

    private AudioConditionalPrompting() {
    }

    /**
     * l_ACP (Eq. 5).
     *
     * @param audioMaskLogits (B, K, T, F) m_k^a at the spectrogram's resolution
     * @param promptValid     (B, K) 1 for real prompts, 0 for padding
     * @param ratioMask       (B, c, T, F) (c channels, usually 1) or (B, T, F) target a_i / a_p; clamped to [0, 1]
     * @return scalar: mean over the images with at least one prompt of the mean squared error over their bins
     */
    public static NDArray loss(NDArray audioMaskLogits, NDArray promptValid, NDArray ratioMask) {
        return loss(audioMaskLogits, promptValid, ratioMask, false);
    }

    /**
     * l_ACP (Eq. 5) in either reading.
     *
     * @param l2 true: per image the L2 norm sqrt(sum of squared errors); false: their mean (MSE)
     */
    public static NDArray loss(NDArray audioMaskLogits, NDArray promptValid, NDArray ratioMask, boolean l2) {
        Shape s = audioMaskLogits.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("ACP: audio mask logits have shape " + s + ", expected (B, K, T, F)");
        }
        long b = s.get(0);
        long k = s.get(1);
        if (!promptValid.getShape().equals(new Shape(b, k))) {
            throw new IllegalArgumentException("ACP: prompt mask has shape " + promptValid.getShape() + ", expected ("
                    + b + ", " + k + ")");
        }
        NDArray target = ratioMask.getShape().dimension() == 3 ? ratioMask.expandDims(1) : ratioMask;
        Shape ts = target.getShape();
        if (ts.dimension() != 4 || ts.get(0) != b || ts.get(2) != s.get(2) || ts.get(3) != s.get(3)) {
            throw new IllegalArgumentException("ACP: ratio mask has shape " + ratioMask.getShape() + ", expected (" + b
                    + ", c, " + s.get(2) + ", " + s.get(3) + ")");
        }
        NDArray valid = promptValid.toType(audioMaskLogits.getDataType(), false);
        NDArray summed = audioMaskLogits.mul(valid.reshape(b, k, 1, 1)).sum(new int[] {1}, true);
        NDArray pred = Activation.sigmoid(summed);
        NDArray err = pred.sub(target.toType(pred.getDataType(), false).clip(0, 1)).square();
        // the epsilon keeps the norm's gradient finite where a prediction is exact
        NDArray perImage = l2 ? err.reshape(b, -1).sum(new int[] {1}).add(Scalars.of(1e-12)).sqrt()
                : err.reshape(b, -1).mean(new int[] {1});
        NDArray has = valid.sum(new int[] {1}).gt(0).toType(perImage.getDataType(), false);
        return perImage.mul(has).sum().div(has.sum().maximum(Scalars.of(1)));
    }

    /**
     * The ACP target a_i / a_p for magnitudes (docs/method.md): clamped to [0, 1], and 0 wherever the mixture is
     * below {@code eps}.
     */
    public static NDArray ratioMask(NDArray clean, NDArray mixture, double eps) {
        if (!clean.getShape().equals(mixture.getShape())) {
            throw new IllegalArgumentException("ACP: clean spectrogram " + clean.getShape() + " and mixture "
                    + mixture.getShape() + " differ in shape");
        }
        NDArray loud = mixture.gte(eps);
        NDArray ratio = clean.div(mixture.maximum(Scalars.of(eps))).clip(0, 1);
        return ratio.mul(loud.toType(ratio.getDataType(), false));
    }
}
