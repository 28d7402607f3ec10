package cpm.prompting;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import cpm.nn.Linear;
import cpm.nn.Resize;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prompting-based contrastive learning (PCL, Sec. 3.2, Eq. 7-9). For every real prompt k of image b:
 * the saliency s_k = sigmoid(m_k^a) is binarised at its mean, and masked average pooling (Eq. 7) of the audio
 * feature map u_a (bilinearly brought to the saliency's resolution) gives the anchor f(k). Positives are the
 * visual pixel features labelled k, negatives the pixels of every other label (Eq. 8), taken across the images of
 * the batch as CAVP does (cpm.pclNegatives batch) or from image b only (image). Pixels are
 * sampled per image: at most {@code pixelsPerClass} of every label present, background included, from a
 * generator seeded by (seed, step, image). Anchors and pixels pass through one linear projection head per
 * modality and are L2-normalised; the loss is the supervised InfoNCE of Eq. 9 with temperature tau, averaged
 * over the anchors that have at least one positive.
 *
 * <p>The binarised saliency carries no gradient, so l_PCL trains u_a, the pixel features and the two heads.
 */
public final class PromptContrastiveLearning {

    /** Labels that never enter the contrastive set (negative values and the usual 255 "ignore"). */
    static final int IGNORE = 255;

    private final Linear audioHead;
    private final Linear pixelHead;
    private final int audioDim;
    private final int pixelDim;
    private final double tau;
    private final int pixelsPerClass;
    private final long seed;
    private final boolean acrossBatch;

    public PromptContrastiveLearning(Weights w, int audioDim, int pixelDim, int projDim, double tau,
                                     int pixelsPerClass, long seed) {
        this(w, audioDim, pixelDim, projDim, tau, pixelsPerClass, seed, false);
    }

    /** @param acrossBatch positives and negatives from every image of the batch (cpm.pclNegatives batch) */
    public PromptContrastiveLearning(Weights w, int audioDim, int pixelDim, int projDim, double tau,
                                     int pixelsPerClass, long seed, boolean acrossBatch) {
        if (!(tau > 0)) {
            throw new IllegalArgumentException("cpm.tau: found " + tau + ", expected > 0");
        }
        if (pixelsPerClass < 1) {
            throw new IllegalArgumentException("cpm.pclPixels: found " + pixelsPerClass + ", expected >= 1");
        }
        this.audioHead = new Linear(w.child("audioProj"), audioDim, projDim);
        this.pixelHead = new Linear(w.child("pixelProj"), pixelDim, projDim);
        this.audioDim = audioDim;
        this.pixelDim = pixelDim;
        this.tau = tau;
        this.pixelsPerClass = pixelsPerClass;
        this.seed = seed;
        this.acrossBatch = acrossBatch;
    }

    /**
     * l_PCL for one batch.
     *
     * @param audioMaskLogits  (B, K, T, F) the prompts' audio masks m_k^a
     * @param audioFeatureMap  (B, Da, T', F') u_a of the mixture
     * @param pixelFeatures    (B, Dp, h, w) visual pixel features u_v
     * @param labels           (B, h, w) int class map at the pixel features' resolution
     * @param promptClasses    (B)(K) class of every prompt slot, -1 for padding
     * @param promptValid      (B, K) 1 for real prompts
     * @param step             training step (seeds the pixel sampling)
     * @return scalar loss (0, still attached to the graph, when no anchor has a positive)
     */
    public NDArray loss(NDArray audioMaskLogits, NDArray audioFeatureMap, NDArray pixelFeatures, NDArray labels,
                        int[][] promptClasses, NDArray promptValid, long step) {
        Shape ms = audioMaskLogits.getShape();
        Shape ps = pixelFeatures.getShape();
        int b = (int) ms.get(0);
        int k = (int) ms.get(1);
        if (audioFeatureMap.getShape().dimension() != 4 || audioFeatureMap.getShape().get(1) != audioDim
                || audioFeatureMap.getShape().get(0) != b) {
            throw new IllegalArgumentException("PCL: audio feature map has shape " + audioFeatureMap.getShape()
                    + ", expected (" + b + ", " + audioDim + ", T', F')");
        }
        if (ps.dimension() != 4 || ps.get(0) != b || ps.get(1) != pixelDim) {
            throw new IllegalArgumentException("PCL: pixel features have shape " + ps + ", expected (" + b + ", "
                    + pixelDim + ", h, w)");
        }
        if (!labels.getShape().equals(new Shape(b, ps.get(2), ps.get(3)))) {
            throw new IllegalArgumentException("PCL: labels have shape " + labels.getShape() + ", expected (" + b
                    + ", " + ps.get(2) + ", " + ps.get(3) + ") (the pixel features' resolution)");
        }
        if (promptClasses.length != b || !promptValid.getShape().equals(new Shape(b, k))) {
            throw new IllegalArgumentException("PCL: prompt classes/valid mask do not match (" + b + ", " + k + ")");
        }
        NDArray[] pooled = anchorFeatures(audioMaskLogits, audioFeatureMap);
        float[] counts = cpm.nn.HostCopies.floats("pcl.counts", pooled[1]);
        float[] valid = cpm.nn.HostCopies.floats("pcl.valid", promptValid);
        List<Integer> anchorIdx = new ArrayList<>();
        List<Integer> anchorCls = new ArrayList<>();
        List<Integer> anchorImg = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                int c = promptClasses[i][j];
                if (valid[i * k + j] > 0 && c >= 0 && counts[i * k + j] > 0) {
                    anchorIdx.add(i * k + j);
                    anchorCls.add(c);
                    anchorImg.add(i);
                }
            }
        }
        NDManager m = audioMaskLogits.getManager();
        if (anchorIdx.isEmpty()) {
            return zero(audioFeatureMap, pixelFeatures);
        }
        int[][] sampled = samplePixels(cpm.nn.HostCopies.longs("pcl.labels", labels), b,
                (int) (ps.get(2) * ps.get(3)), step);
        if (sampled[0].length == 0) {
            return zero(audioFeatureMap, pixelFeatures);
        }
        NDArray anchors = pooled[0].reshape((long) b * k, audioDim)
                .get(new NDIndex("{}", m.create(toLong(anchorIdx))));
        long hw = ps.get(2) * ps.get(3);
        NDArray pixels = pixelFeatures.reshape(b, pixelDim, hw).transpose(0, 2, 1).reshape(b * hw, pixelDim)
                .get(new NDIndex("{}", m.create(toLong(sampled[0]))));
        NDArray fa = GmmClassifier.normalise(audioHead.forward(anchors));
        NDArray fp = GmmClassifier.normalise(pixelHead.forward(pixels));
        return infoNce(fa, fp, toInt(anchorCls), toInt(anchorImg), sampled[1], sampled[2], tau, acrossBatch);
    }

    /**
     * Eq. 7: anchors f(k) by masked average pooling of u_a (resized to the masks' T x F) under the saliency
     * binarised at its mean.
     *
     * <p>Bilinear resizing is linear, resize(u_a) = R u_a with R = R_t (x) R_f separable, so the pooled sum
     * bin . resize(u_a) equals (bin R) . u_a: the detached binary masks are brought down to u_a's grid by two
     * small matrix products instead of bringing u_a (with its gradient) up to T x F, which cost a 50 MB
     * activation and a slow interpolation backward per step (bench/NOTES.md). Same values up to float rounding.
     *
     * @return {(B, K, Da) anchors, (B, K) number of salient bins}
     */
    static NDArray[] anchorFeatures(NDArray audioMaskLogits, NDArray audioFeatureMap) {
        Shape ms = audioMaskLogits.getShape();
        long b = ms.get(0);
        long k = ms.get(1);
        long t = ms.get(2);
        long f = ms.get(3);
        Shape us = audioFeatureMap.getShape();
        long da = us.get(1);
        long ut = us.get(2);
        long uf = us.get(3);
        NDArray s = Activation.sigmoid(audioMaskLogits.stopGradient());
        NDArray flat = s.reshape(b, k, t * f);
        NDArray bin = flat.gt(flat.mean(new int[] {2}, true)).toType(audioFeatureMap.getDataType(), false);
        NDArray count = bin.sum(new int[] {2}, true);
        NDArray pooledBin = bin;
        if (ut != t || uf != f) {
            NDManager m = audioMaskLogits.getManager();
            NDArray rtT = Resize.matrix(m, ut, t, audioFeatureMap.getDataType());
            NDArray rf = Resize.matrix(m, uf, f, audioFeatureMap.getDataType()).transpose();
            // (B*K, T, F) -> R_t^T . bin . R_f = (B*K, T', F')
            pooledBin = rtT.matMul(bin.reshape(b * k, t, f)).matMul(rf).reshape(b, k, ut * uf);
        }
        NDArray sum = pooledBin.matMul(audioFeatureMap.reshape(b, da, ut * uf).transpose(0, 2, 1));
        return new NDArray[] {sum.div(count.maximum(Scalars.of(1))), count.squeeze(2)};
    }

    /**
     * Eq. 8-9 on projected, L2-normalised features: for anchor a, positives are pixels of its image with its class,
     * negatives pixels of its image with another class; per anchor the mean over positives p of
     * -log(exp(a.p/tau) / (exp(a.p/tau) + sum_n exp(a.n/tau))), then the mean over anchors with a positive.
     */
    static NDArray infoNce(NDArray anchors, NDArray pixels, int[] anchorClass, int[] anchorImage, int[] pixelClass,
                           int[] pixelImage, double tau) {
        return infoNce(anchors, pixels, anchorClass, anchorImage, pixelClass, pixelImage, tau, false);
    }

    /** As above; with {@code acrossBatch} positives and negatives come from every image, not the anchor's own. */
    static NDArray infoNce(NDArray anchors, NDArray pixels, int[] anchorClass, int[] anchorImage, int[] pixelClass,
                           int[] pixelImage, double tau, boolean acrossBatch) {
        int na = anchorClass.length;
        int np = pixelClass.length;
        float[] pos = new float[na * np];
        float[] negPenalty = new float[na * np];
        float[] hasPos = new float[na];
        for (int a = 0; a < na; a++) {
            for (int p = 0; p < np; p++) {
                boolean same = acrossBatch || anchorImage[a] == pixelImage[p];
                boolean isPos = same && pixelClass[p] == anchorClass[a];
                boolean isNeg = same && pixelClass[p] != anchorClass[a];
                pos[a * np + p] = isPos ? 1 : 0;
                negPenalty[a * np + p] = isNeg ? 0 : -1e9f;
                if (isPos) {
                    hasPos[a] = 1;
                }
            }
        }
        NDManager m = anchors.getManager();
        DataType dt = anchors.getDataType();
        NDArray posM = m.create(pos, new Shape(na, np)).toType(dt, false);
        NDArray hasPosM = m.create(hasPos, new Shape(na)).toType(dt, false);
        NDArray logits = anchors.matMul(pixels.transpose()).div(Scalars.of(tau));
        NDArray neg = logits.add(m.create(negPenalty, new Shape(na, np)).toType(dt, false));
        NDArray max = neg.max(new int[] {1}, true).stopGradient();
        NDArray negLse = neg.sub(max).exp().sum(new int[] {1}, true).log().add(max);
        // -log(e^s / (e^s + e^L)) = softplus(L - s), computed stably
        NDArray z = negLse.sub(logits);
        NDArray softplus = z.maximum(Scalars.of(0)).add(z.abs().neg().exp().add(1).log());
        NDArray perAnchor = softplus.mul(posM).sum(new int[] {1}).div(posM.sum(new int[] {1}).maximum(Scalars.of(1)));
        return perAnchor.mul(hasPosM).sum().div(hasPosM.sum().maximum(Scalars.of(1)));
    }

    /**
     * Seeded pixel sampling: per image, at most pixelsPerClass pixels of every label present (background
     * included), without replacement.
     *
     * @return {flat indices b * hw + i, their labels, their image}
     */
    int[][] samplePixels(long[] labels, int b, int hw, long step) {
        List<Integer> idx = new ArrayList<>();
        List<Integer> cls = new ArrayList<>();
        List<Integer> img = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (step + 1))
                    ^ (0xC2B2AE3D27D4EB4FL * (i + 1)));
            java.util.TreeMap<Long, List<Integer>> byClass = new java.util.TreeMap<>();
            for (int p = 0; p < hw; p++) {
                long c = labels[i * hw + p];
                if (c >= 0 && c != IGNORE) {
                    byClass.computeIfAbsent(c, x -> new ArrayList<>()).add(p);
                }
            }
            for (var e : byClass.entrySet()) {
                List<Integer> px = e.getValue();
                int take = Math.min(pixelsPerClass, px.size());
                for (int j = 0; j < take; j++) {
                    int r = j + rng.nextInt(px.size() - j);
                    Integer t = px.get(j);
                    px.set(j, px.get(r));
                    px.set(r, t);
                    idx.add(i * hw + px.get(j));
                    cls.add(e.getKey().intValue());
                    img.add(i);
                }
            }
        }
        return new int[][] {toInt(idx), toInt(cls), toInt(img)};
    }

    private static NDArray zero(NDArray a, NDArray b) {
        return a.sum().mul(Scalars.of(0)).add(b.sum().mul(Scalars.of(0)));
    }

    private static int[] toInt(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long[] toLong(List<Integer> l) {
        return l.stream().mapToLong(Integer::longValue).toArray();
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
