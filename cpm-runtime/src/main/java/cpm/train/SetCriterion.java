package cpm.train;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;

import java.util.List;
import java.util.SplittableRandom;

/**
 * l_agn = l_ce + l_mask (Sec. 3.1, Mask2Former's set criterion): weighted CE on every query (unmatched ones get
 * the no-object class C), focal and dice on the matched masks at {@code matcher.points} points per mask chosen
 * as Mask2Former does (3x oversampled random points, the 75% most uncertain kept, 25% fresh random ones;
 * 0 = every pixel), normalised by the number of targets in the batch; summed over decoder layers with deep
 * supervision. Also the fixed-target form used by visual conditional prompting (Eq. 6).
 */
public final class SetCriterion {

    /** Mask2Former's loss point sampling: oversample ratio 3, importance-sample ratio 0.75. */
    static final double OVERSAMPLE = 3.0;
    static final double IMPORTANCE = 0.75;

    private final int numClasses;
    private final float ceWeight;
    private final float noObjectWeight;
    private final float focalWeight;
    private final float alpha;
    private final float gamma;
    private final float diceWeight;
    private final int points;
    private final boolean deepSupervision;
    private SplittableRandom rnd;

    /** Target index of a prediction that takes no part in the loss. */
    public static final int IGNORE = -2;
    /** The mask logit padded pixels are given: sigmoid ~ 1e-13, so focal and dice terms there are ~0. */
    static final float PADDED_LOGIT = -30f;

    public SetCriterion(Recipe r, int numClasses, long seed) {
        this.numClasses = numClasses;
        this.ceWeight = (float) r.loss().ceWeight();
        this.noObjectWeight = (float) r.loss().noObjectWeight();
        this.focalWeight = (float) r.loss().focalWeight();
        this.alpha = (float) r.loss().focalAlpha();
        this.gamma = (float) r.loss().focalGamma();
        this.diceWeight = (float) r.loss().diceWeight();
        this.points = r.matcher().points();
        this.deepSupervision = r.loss().deepSupervision();
        this.rnd = new SplittableRandom(seed);
    }

    /** Restarts the point sampling from a seed (the session derives one per step, so resumed runs repeat). */
    public void reseed(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    /** Loss of one decoder layer's predictions against matched targets. */
    public LossTerms layerLoss(NDArray classLogits, NDArray maskLogits, Targets t, Matching m) {
        return loss(classLogits, maskLogits, t, targetOf(m, (int) classLogits.getShape().get(1)),
                Math.max(1, t.total()), 1);
    }

    /**
     * Loss for predictions with fixed targets (no matching; VCP, Eq. 6): prediction i of image b is supervised
     * by target {@code targetIndexOfPrompt[b][i]} of {@code t} (its class and mask), by no-object if -1, and not
     * at all if {@link #IGNORE} (padding of images with fewer prompts).
     */
    public LossTerms directLoss(NDArray classLogits, NDArray maskLogits, Targets t, int[][] targetIndexOfPrompt) {
        int supervised = 0;
        for (int[] row : targetIndexOfPrompt) {
            for (int k : row) {
                supervised += k >= 0 ? 1 : 0;
            }
        }
        return loss(classLogits, maskLogits, t, targetIndexOfPrompt, Math.max(1, supervised), 1);
    }

    /** The summed terms of every supervised layer and the last layer's matching (for the bank and STS). */
    public record DeepLoss(LossTerms terms, Matching lastMatching) {
    }

    /**
     * Deep supervision: each layer's predictions are matched on their own (as Mask2Former does) and the layer
     * losses summed; only the last layer when loss.deepSupervision is off. The layers are stacked into one batch
     * of L x B images against the same targets, so matching costs and losses are a few large tensor ops rather
     * than a few per layer (bench/NOTES.md, change 10); the result equals the sum of {@link #layerLoss} over the
     * layers (MatchingTest checks it).
     */
    public DeepLoss deepLoss(List<NDArray> classLogits, List<NDArray> maskLogits, Targets t,
                             HungarianMatcher matcher) {
        int first = deepSupervision ? 0 : classLogits.size() - 1;
        int layers = classLogits.size() - first;
        NDArray cl = classLogits.get(first);
        NDArray ml = maskLogits.get(first);
        if (layers > 1) {
            Shape cs = cl.getShape();
            Shape ms = ml.getShape();
            cl = NDArrays.stack(new NDList(classLogits.subList(first, classLogits.size())))
                    .reshape(layers * cs.get(0), cs.get(1), cs.get(2));
            ml = NDArrays.stack(new NDList(maskLogits.subList(first, maskLogits.size())))
                    .reshape(layers * ms.get(0), ms.get(1), ms.get(2), ms.get(3));
        }
        Matching m = matcher.match(cl, ml, t, layers);
        int batch = t.batchSize();
        int n = (int) cl.getShape().get(1);
        LossTerms terms = loss(cl, ml, t, targetOf(m, n), Math.max(1, t.total()), layers);
        int from = (layers - 1) * batch;
        Matching last = new Matching(java.util.Arrays.copyOfRange(m.queryIndex(), from, from + batch),
                java.util.Arrays.copyOfRange(m.targetIndex(), from, from + batch),
                java.util.Arrays.copyOfRange(m.costs(), from, from + batch));
        return new DeepLoss(terms, last);
    }

    /** For each image and query, the matched target index or -1. */
    private static int[][] targetOf(Matching m, int n) {
        int images = m.queryIndex().length;
        int[][] targetOf = new int[images][n];
        for (int b = 0; b < images; b++) {
            java.util.Arrays.fill(targetOf[b], -1);
            for (int j = 0; j < m.queryIndex()[b].length; j++) {
                targetOf[b][m.queryIndex()[b][j]] = m.targetIndex()[b][j];
            }
        }
        return targetOf;
    }

    private static boolean keepEmpty(NDArray rows) {
        return rows.getShape().get(0) == 0;
    }

    /**
     * @param layers the logits hold this many layers' predictions for the B images of {@code t}, layer after layer
     *               (image i has the targets of image i mod B); the CE is a weighted mean per layer, summed
     */
    private LossTerms loss(NDArray classLogits, NDArray maskLogits, Targets t, int[][] targetOf, float numMasks,
                           int layers) {
        Shape cs = classLogits.getShape();
        Shape ms = maskLogits.getShape();
        int batch = (int) cs.get(0);
        int n = (int) cs.get(1);
        if (cs.get(2) != numClasses + 1 || ms.get(0) != batch || ms.get(1) != n
                || (long) layers * t.batchSize() != batch || targetOf.length != batch) {
            throw new IllegalArgumentException("criterion: expected class logits (B,N," + (numClasses + 1)
                    + ") and mask logits (B,N,h,w) for " + layers * t.batchSize() + " images, found " + cs + " and "
                    + ms);
        }
        int tb0 = t.batchSize();
        long[] cls = new long[batch * n];
        int matched = 0;
        int ignored = 0;
        for (int b = 0; b < batch; b++) {
            if (targetOf[b].length != n) {
                throw new IllegalArgumentException("criterion: image " + b + " has " + targetOf[b].length
                        + " target indices, expected " + n);
            }
            for (int q = 0; q < n; q++) {
                int k = targetOf[b][q];
                ignored += k == IGNORE ? 1 : 0;
                cls[b * n + q] = k < 0 ? numClasses : t.classOf(b % tb0, k);
                matched += k >= 0 ? 1 : 0;
            }
        }
        NDArray rows = classLogits.reshape((long) batch * n, cs.get(2));
        NDArray targets = classLogits.getManager().create(cls);
        if (ignored > 0) {
            long[] keep = new long[batch * n - ignored];
            for (int b = 0, j = 0; b < batch; b++) {
                for (int q = 0; q < n; q++) {
                    if (targetOf[b][q] != IGNORE) {
                        keep[j++] = (long) b * n + q;
                    }
                }
            }
            NDArray idx = classLogits.getManager().create(keep);
            rows = rows.get(idx);
            targets = targets.get(idx);
        }
        NDArray ce = keepEmpty(rows) ? rows.sum().mul(Scalars.of(0f))
                : MaskLosses.crossEntropy(rows, targets, noObjectWeight, ignored > 0 ? 1 : layers)
                        .mul(Scalars.of(ceWeight));
        NDArray focal;
        NDArray dice;
        if (matched == 0) {
            NDArray zero = maskLogits.sum().mul(Scalars.of(0f));
            focal = zero;
            dice = zero;
        } else {
            long[] predIdx = new long[matched];
            long[] tgtIdx = new long[matched];
            long[] imgIdx = new long[matched];
            for (int b = 0, j = 0; b < batch; b++) {
                for (int q = 0; q < n; q++) {
                    if (targetOf[b][q] >= 0) {
                        predIdx[j] = (long) b * n + q;
                        imgIdx[j] = b % tb0;
                        tgtIdx[j++] = t.offset(b % tb0) + targetOf[b][q];
                    }
                }
            }
            NDArray pred = maskLogits.reshape((long) batch * n, ms.get(2), ms.get(3))
                    .get(maskLogits.getManager().create(predIdx));
            if (t.valid() != null) {
                // padded pixels (data.resize pad): a certain "off" without gradient, so that they add no loss and
                // are never picked as uncertain points
                NDArray v = t.valid().get(maskLogits.getManager().create(imgIdx));
                pred = pred.mul(v).add(v.neg().add(1f).mul(Scalars.of(PADDED_LOGIT)));
            }
            NDArray tgt = t.allMasks().get(maskLogits.getManager().create(tgtIdx));
            NDArray[] pt;
            if (points == 0) {
                pt = HungarianMatcher.sampledPair(pred, tgt, rnd, 0);
            } else {
                NDArray[] xy = PointSampler.uncertainRows(pred, points, OVERSAMPLE, IMPORTANCE, rnd);
                pt = new NDArray[]{PointSampler.sampleRows(pred, xy[0], xy[1]),
                        PointSampler.sampleRows(tgt, xy[0], xy[1])};
            }
            focal = MaskLosses.focal(pt[0], pt[1], alpha, gamma, numMasks).mul(Scalars.of(focalWeight));
            dice = MaskLosses.dice(pt[0], pt[1], numMasks).mul(Scalars.of(diceWeight));
        }
        return new LossTerms(ce, focal, dice, ce.add(focal).add(dice));
    }
}
