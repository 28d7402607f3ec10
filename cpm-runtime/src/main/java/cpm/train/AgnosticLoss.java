package cpm.train;

import ai.djl.ndarray.NDArray;
import cpm.data.Batch;
import cpm.model.DecoderOutput;
import cpm.model.LayerOutput;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * l_agn of the class-agnostic workflow (Sec. 3.1): Hungarian matching of every decoder prediction point and
 * Mask2Former's set criterion (CE + focal + dice, deep supervision). Also hands on the final layer's assignment of
 * each query (a class, or no-object), which feeds the CCDM memory bank and the STS window. Matching and the
 * criterion's point sampling are reseeded from (run.seed, step), so a resumed run repeats exactly.
 */
final class AgnosticLoss {

    private final HungarianMatcher matcher;
    private final SetCriterion criterion;
    private final int numClasses;
    private final int queries;
    private final long seed;

    AgnosticLoss(HungarianMatcher matcher, SetCriterion criterion, int numClasses, int queries, long seed) {
        this.matcher = matcher;
        this.criterion = criterion;
        this.numClasses = numClasses;
        this.queries = queries;
        this.seed = seed;
    }

    /** A step's terms with l_agn and the assignment filled in. */
    CpmObjective.Terms terms(DecoderOutput out, Targets targets, Batch batch, long step) {
        CpmObjective.Terms t = new CpmObjective.Terms();
        matcher.reseed(seed * 1_000_003L + step);
        criterion.reseed(seed * 1_000_033L + step);
        List<NDArray> cls = new ArrayList<>();
        List<NDArray> masks = new ArrayList<>();
        for (LayerOutput layer : out.layers()) {
            cls.add(layer.classLogits());
            masks.add(layer.maskLogits());
        }
        SetCriterion.DeepLoss deep;
        try {
            deep = criterion.deepLoss(cls, masks, targets, matcher);
        } catch (HungarianMatcher.NonFiniteCostException e) {
            // non-finite outputs reach the matcher as non-finite costs: report them as a non-finite l_agn
            throw new NonFiniteLossException(step, "loss_agn", batch.ids(), Map.of("loss_agn", Double.NaN));
        }
        t.agn = deep.terms().total();
        t.assigned = assignedClasses(deep.lastMatching(), targets, queries, numClasses);
        return t;
    }

    /** For each image and query, the class it was matched to, or numClasses (no-object). */
    static int[][] assignedClasses(Matching match, Targets targets, int queries, int numClasses) {
        int[][] a = new int[targets.batchSize()][queries];
        for (int b = 0; b < a.length; b++) {
            java.util.Arrays.fill(a[b], numClasses);
            int[] cls = targets.classes(b);
            for (int i = 0; i < match.queryIndex()[b].length; i++) {
                a[b][match.queryIndex()[b][i]] = cls[match.targetIndex()[b][i]];
            }
        }
        return a;
    }
}
