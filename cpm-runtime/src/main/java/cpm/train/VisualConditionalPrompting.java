package cpm.train;

import ai.djl.ndarray.NDArray;
import cpm.model.LayerOutput;

import java.util.List;

/**
 * Visual conditional prompting (VCP, Sec. 3.2, Eq. 6): the decoder run on class-conditional prompts z^k of the
 * sounding classes is supervised with fixed targets, no bipartite matching: prompt k predicts class k and the
 * mask of class k, or no-object when class k sounds but has no pixels in the frame. The loss is the class-agnostic
 * CE + focal + dice of {@link SetCriterion#directLoss}, on every decoder layer with deep supervision. It lives in
 * the train package beside the set criterion whose fixed-target form it is.
 */
public final class VisualConditionalPrompting {

    private final SetCriterion criterion;
    private final boolean deepSupervision;

    public VisualConditionalPrompting(SetCriterion criterion, boolean deepSupervision) {
        this.criterion = criterion;
        this.deepSupervision = deepSupervision;
    }

    /**
     * The target of every prompt slot: the index of its class among the image's targets, -1 (no-object) when the
     * class has no pixels, {@link SetCriterion#IGNORE} for padding.
     *
     * @param promptClasses (B)(Kmax) class of each slot, -1 for padding
     */
    public static int[][] targets(int[][] promptClasses, Targets t) {
        int[][] out = new int[promptClasses.length][];
        for (int i = 0; i < out.length; i++) {
            int[] present = t.classes(i);
            out[i] = new int[promptClasses[i].length];
            for (int j = 0; j < out[i].length; j++) {
                int k = promptClasses[i][j];
                out[i][j] = k < 0 ? SetCriterion.IGNORE : -1;
                for (int p = 0; k >= 0 && p < present.length; p++) {
                    if (present[p] == k) {
                        out[i][j] = p;
                    }
                }
            }
        }
        return out;
    }

    /** l_VCP (Eq. 6) of the prompt pass's predictions. */
    public NDArray loss(List<LayerOutput> layers, Targets t, int[][] promptClasses) {
        int[][] target = targets(promptClasses, t);
        List<LayerOutput> supervised = deepSupervision ? layers : List.of(layers.get(layers.size() - 1));
        NDArray sum = null;
        for (LayerOutput layer : supervised) {
            NDArray l = criterion.directLoss(layer.classLogits(), layer.maskLogits(), t, target).total();
            sum = sum == null ? l : sum.add(l);
        }
        return sum;
    }
}
