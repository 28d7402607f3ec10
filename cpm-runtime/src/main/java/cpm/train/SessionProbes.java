package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.model.AudioFeatures;
import cpm.model.DecoderOutput;
import cpm.model.ImageFeatures;
import cpm.nn.Resize;
import cpm.prompting.GaussianMixture;
import cpm.prompting.GmmClassifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The computations behind the REPL's questions to a live session, as plain numbers and arrays (the REPL only
 * formats them): prompts drawn from the class-conditional GMM (CCDM, Eq. 1-4) or the learned point prompts, what
 * those prompts segment through the decoder on one item (VCP, Eq. 6; the ACP audio masks, Eq. 5) with each mask's
 * IoU, and the Hungarian assignment of one training item (Sec. 3.1). Each runs without gradient on the caller's
 * thread, every batch in its own scope.
 */
public final class SessionProbes {

    private SessionProbes() {
    }

    /** Work on item {@code b} of a loaded batch. */
    @FunctionalInterface
    public interface ItemWork<T> {
        T run(Batch batch, int b, NDManager m, AvsDataset data);
    }

    /** Loads the batch holding item {@code item} of a split (in order, no augmentation) and runs {@code work}. */
    public static <T> T withItem(TrainingSession s, String split, int item, ItemWork<T> work) {
        AvsDataset data = Datasets.open(s.recipe(), split);
        if (item < 0 || item >= data.size()) {
            throw new IllegalArgumentException("item " + item + ": expected 0.." + (data.size() - 1) + " (the " + split
                    + " split has " + data.size() + " labelled frames)");
        }
        try (BatchLoader loader = new BatchLoader(data, null, s.recipe(), false, s.recipe().run().seed())) {
            int seen = 0;
            while (true) {
                try (NDScope scope = new NDScope(); NDManager m = s.manager().newSubManager()) {
                    scope.suppressNotUsedWarning();
                    Batch batch = loader.next(m);
                    if (batch == null) {
                        throw new IllegalStateException("item " + item + " not reached in " + split);
                    }
                    if (item < seen + batch.size()) {
                        return work.run(batch, item - seen, m, data);
                    }
                    seen += batch.size();
                }
            }
        }
    }

    /** The first item of a split whose label map holds class k (0 when none does). */
    public static int firstItemWith(TrainingSession s, String split, int k) {
        AvsDataset data = Datasets.open(s.recipe(), split);
        for (int i = 0; i < data.size(); i++) {
            for (int v : data.get(i).label()) {
                if (v == k) {
                    return i;
                }
            }
        }
        return 0;
    }

    private static NDArray one(NDArray x, int b) {
        return x.get(b).expandDims(0);
    }

    // ------------------------------------------------------------------------------------------------ prompts

    /** The seed of the {@code draw}-th prompt draw of a session's explorer (draws are numbered from 0). */
    public static long promptSeed(long runSeed, long draw) {
        return runSeed * 0x9E3779B97F4A7C15L + 7919L * draw;
    }

    /** n prompts z ~ p(z | k) from the GMM (Eq. 3), drawn as training draws them (cpm.promptSampling). */
    public static float[][] gmmPrompts(TrainingSession s, int k, int n, long seed) {
        return s.sampler().drawClass(k, n, new SplittableRandom(seed));
    }

    /** The learned point prompt of class k repeated n times (softmax classifier), rows of (n, D_q). */
    public static float[][] pointPrompts(TrainingSession s, int k, int n) {
        try (NDScope scope = new NDScope(); NDManager m = s.manager().newSubManager()) {
            scope.suppressNotUsedWarning();
            long[] idx = new long[n];
            Arrays.fill(idx, k);
            NDArray p = s.model().pointPrompts(m.create(idx, new Shape(1, n)));
            float[] flat = p.toFloatArray();
            int d = flat.length / n;
            float[][] out = new float[n][d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, i * d, out[i], 0, d);
            }
            return out;
        }
    }

    /**
     * Where a GMM prompt lies: its norm, the posterior's top class and probability, the probability of its own
     * class, the distance to the nearest mean of its class and to the nearest mean of any other class.
     */
    public record PromptPlace(double norm, int topClass, double topProb, double ownProb, double distOwnMean,
                              int nearestOther, double distOtherMean) {
    }

    /**
     * {@link PromptPlace} of each prompt of class k: the posterior p(c | z) is the classifier head's softmax at z
     * (Eq. 1; with the layernorm head the class-axis LayerNorm's, over the classes the GMM scores).
     */
    public static List<PromptPlace> place(GmmClassifier head, int k, float[][] z) {
        GaussianMixture g = head.mixture();
        double[][] post = head.posterior(z);
        List<PromptPlace> out = new ArrayList<>();
        for (int i = 0; i < z.length; i++) {
            double[] zi = toDouble(z[i]);
            int best = 0;
            for (int c = 1; c < post[i].length; c++) {
                if (post[i][c] > post[i][best]) {
                    best = c;
                }
            }
            double dOwn = Double.POSITIVE_INFINITY;
            double dOther = Double.POSITIVE_INFINITY;
            int otherK = -1;
            for (int c = 0; c < g.classes(); c++) {
                for (double[] mu : g.means(c)) {
                    double dist = distance(zi, mu);
                    if (c == k) {
                        dOwn = Math.min(dOwn, dist);
                    } else if (dist < dOther) {
                        dOther = dist;
                        otherK = c;
                    }
                }
            }
            out.add(new PromptPlace(norm(zi), best, post[i][best], post[i][k], dOwn, otherK, dOther));
        }
        return out;
    }

    public static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    public static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    public static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double t = a[i] - b[i];
            s += t * t;
        }
        return Math.sqrt(s);
    }

    // ------------------------------------------------------------------------------------------------ match

    /** The Hungarian assignment of one training item, with its id and frame. */
    public record ItemMatch(String id, int frame, HungarianMatcher.Detailed detailed) {
    }

    /** Matches the last decoder layer's predictions on train item {@code item} to its segments, as training does. */
    public static ItemMatch match(TrainingSession s, int item) {
        return withItem(s, "train", item, (batch, b, m, data) -> {
            NDArray labels = one(batch.labels(), b);
            ImageFeatures img = s.model().encodeImage(one(batch.images(), b), false);
            AudioFeatures aud = s.model().encodeAudio(s.spectrogram().toBackboneInput(
                    s.spectrogram().magnitude(one(batch.waves(), b))), false);
            DecoderOutput out = s.model().decodeQueries(img, aud, false);
            Shape ms = out.last().maskLogits().getShape();
            Targets targets = Targets.fromLabels(labels, s.numClasses(), ms.get(2), ms.get(3));
            s.matcher().reseed(s.recipe().run().seed());
            return new ItemMatch(batch.ids().get(b), batch.frames()[b],
                    s.matcher().matchDetailed(out.last().classLogits(), out.last().maskLogits(), targets));
        });
    }

    // ------------------------------------------------------------------------------------------------ probe

    /** One prompt's answer on an item: its mask area, IoU with the class's ground truth, p(class), mask. */
    public record PromptMask(double area, double iou, double prob, long[] mask) {
    }

    /**
     * What prompts of class k find on one item: per prompt the visual mask (at label resolution, labelled k where
     * on) and its scores, the audio mask over the spectrogram; and the item's image, labels and spectrogram.
     */
    public record Probe(String id, int frame, float[] image, int h, int w, long[] labels, double classArea,
                        List<PromptMask> prompts, float[][] spectrogram, List<float[][]> audioMasks) {
    }

    /** Runs prompts {@code z} of class k through the decoder on item {@code item} of {@code split} (Eq. 6, Eq. 5). */
    public static Probe probe(TrainingSession s, String split, int item, int k, float[][] z) {
        int n = z.length;
        return withItem(s, split, item, (batch, b, m, data) -> {
            NDArray images = one(batch.images(), b);
            NDArray labels = one(batch.labels(), b);
            NDArray mag = s.spectrogram().magnitude(one(batch.waves(), b));
            ImageFeatures img = s.model().encodeImage(images, false);
            AudioFeatures aud = s.model().encodeAudio(s.spectrogram().toBackboneInput(mag), false);
            int d = z[0].length;
            float[] flat = new float[n * d];
            long[] cls = new long[n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(z[i], 0, flat, i * d, d);
                cls[i] = k;
            }
            DecoderOutput out = s.model().decodePrompts(m.create(flat, new Shape(1, n, d)),
                    m.create(cls, new Shape(1, n)), img, aud, false);
            long h = labels.getShape().get(1);
            long w = labels.getShape().get(2);
            float[] masks = Resize.bilinear(out.last().maskLogits(), h, w).gt(0f).toType(DataType.FLOAT32, false)
                    .toFloatArray();
            float[] probs = out.last().classLogits().softmax(-1).toFloatArray();
            long[] gt = labels.toLongArray();
            int hw = (int) (h * w);
            int classes = (int) out.last().classLogits().getShape().get(2);
            int gtPixels = 0;
            for (long g : gt) {
                gtPixels += g == k ? 1 : 0;
            }
            List<PromptMask> prompts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int inter = 0;
                int on = 0;
                long[] pred = new long[hw];
                for (int p = 0; p < hw; p++) {
                    if (masks[i * hw + p] > 0.5f) {
                        on++;
                        pred[p] = k;
                        inter += gt[p] == k ? 1 : 0;
                    }
                }
                int union = on + gtPixels - inter;
                prompts.add(new PromptMask(on / (double) hw, union == 0 ? Double.NaN : inter / (double) union,
                        probs[i * classes + k], pred));
            }
            NDArray spec = mag.get(0).get(0);
            Shape ss = spec.getShape();
            int t = (int) ss.get(0);
            int f = (int) ss.get(1);
            float[] am = ai.djl.nn.Activation.sigmoid(s.model().audioMasks(out.last().maskEmbed(), aud, t, f))
                    .toFloatArray();
            List<float[][]> audioMasks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                audioMasks.add(grid(am, i * t * f, t, f));
            }
            return new Probe(batch.ids().get(b), batch.frames()[b], images.get(0).toFloatArray(), (int) h, (int) w,
                    gt, gtPixels / (double) hw, prompts, grid(spec.toFloatArray(), 0, t, f), audioMasks);
        });
    }

    private static float[][] grid(float[] flat, int offset, int t, int f) {
        float[][] g = new float[t][f];
        for (int x = 0; x < t; x++) {
            System.arraycopy(flat, offset + x * f, g[x], 0, f);
        }
        return g;
    }
}
