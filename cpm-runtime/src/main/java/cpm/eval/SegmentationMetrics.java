package cpm.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The three evaluation protocols of docs/datasets.md, accumulated frame by frame (so results do not depend on the
 * evaluation batch size).
 * <ul>
 * <li>{@code per-dataset} (PASCAL VOC): per class TP, FP, FN of the label map over all frames; IoU_c =
 * TP/(TP+FP+FN); F_beta per class from the accumulated precision and recall; both averaged over the classes
 * that occur in the ground truth or the prediction (background included).</li>
 * <li>{@code cavp} (CAVP's eval_utils): the per-dataset accumulation, but mIoU averages over ALL classes, a class
 * absent from ground truth and prediction alike counting IoU 0; F_beta is the nanmean over classes (a class with
 * TP = FP = FN = 0 is left out), which is the per-dataset F_beta.</li>
 * <li>{@code per-image} (AVSBench-Objects, as its test.py publishes it): binary "not background" maps; IoU per
 * frame (a frame with empty ground truth scores the fraction of pixels both call background), averaged over
 * frames; F-measure curve at 255 thresholds (AVSBench's float32 {@code torch.linspace(0, 1 - 1e-10, 255)},
 * predicted where foreground >= threshold), per clip the maximum of its frames' mean curve (frames with non-empty
 * ground truth; a clip without any scores 0 and still counts), averaged over clips. Frames given without a clip
 * form one clip. Per class: mean per-frame IoU and F_beta of the class's mask over the frames where it occurs in
 * ground truth or prediction.</li>
 * </ul>
 * A precision or recall of 0/0, and an F_beta of 0/0, count as 0. Any protocol can score only CAVP's "MS" subset
 * ({@link MultiSourceFrames}); its name then ends in {@code /ms}.
 */
public final class SegmentationMetrics {

    public static final int THRESHOLDS = 255;

    /** The protocol names ({@code eval.protocol}). */
    public static final List<String> PROTOCOLS = List.of("per-dataset", "per-image", "cavp");

    /**
     * Per-class result; NaN where the class never occurred (it then does not enter the means), except the IoU of
     * {@code cavp}, which is 0 there as in CAVP (and enters its mean).
     */
    public record ClassScore(String name, double iou, double fbeta, long pixels) implements java.io.Serializable {
    }

    private final List<String> classes;
    private final String protocol;
    private final boolean perImage;
    private final boolean allClasses;
    private final boolean msOnly;
    private final double beta2;
    private final double[] thresholds = new double[THRESHOLDS];
    private final long[] tp;
    private final long[] fp;
    private final long[] fn;
    private final long[] gtPixels;
    // per-image accumulators
    private final double[] classIouSum;
    private final long[] classIouFrames;
    private final double[] classFSum;
    private final long[] classFFrames;
    private final double[] curveSum = new double[THRESHOLDS];
    private double iouSum;
    private long curveFrames;
    // per-image F: the open clip's curve, and the finished clips' maxima
    private final double[] clipCurve = new double[THRESHOLDS];
    private long clipCurveFrames;
    private String clip;
    private int clips;
    private double clipMaxSum;
    private boolean byClip;
    private int images;
    private int leftOut;

    /** All frames scored under {@code protocol} (one of {@link #PROTOCOLS}). */
    public SegmentationMetrics(List<String> classes, String protocol, double betaSquared) {
        this(classes, protocol, betaSquared, false);
    }

    /** @param msOnly score only the frames of CAVP's "MS" subset ({@link MultiSourceFrames}); others are counted */
    public SegmentationMetrics(List<String> classes, String protocol, double betaSquared, boolean msOnly) {
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("eval.protocol: found '" + protocol
                    + "', expected per-dataset, per-image or cavp");
        }
        if (classes.size() < 2) {
            throw new IllegalArgumentException("data.classes: found " + classes.size()
                    + " classes, expected at least 2 (background first)");
        }
        this.classes = List.copyOf(classes);
        this.protocol = protocol;
        this.perImage = protocol.equals("per-image");
        this.allClasses = protocol.equals("cavp");
        this.msOnly = msOnly;
        this.beta2 = betaSquared;
        int c = classes.size();
        tp = new long[c];
        fp = new long[c];
        fn = new long[c];
        gtPixels = new long[c];
        classIouSum = new double[c];
        classIouFrames = new long[c];
        classFSum = new double[c];
        classFFrames = new long[c];
        // float32 as AVSBench's torch.linspace makes them (step from the ends, second half from the end), so a
        // probability lying on the grid falls on the side it falls on there
        float start = 0f;
        float end = (float) (1 - 1e-10);
        float step = (end - start) / (THRESHOLDS - 1);
        for (int k = 0; k < THRESHOLDS; k++) {
            thresholds[k] = k < THRESHOLDS / 2 ? start + step * k : end - step * (THRESHOLDS - 1 - k);
        }
    }

    /** The protocol's name as every printed number and CSV carries it: per-dataset, per-image, cavp, with /ms. */
    public String protocol() {
        return msOnly ? protocol + "/ms" : protocol;
    }

    /** Frames left out because they are not in the MS subset (0 unless it is asked for). */
    public int leftOut() {
        return leftOut;
    }

    /**
     * Adds one frame.
     *
     * @param predLabels     h*w predicted classes (row-major)
     * @param foregroundProb h*w probability that the pixel is not background (used by the per-image curve;
     *                       may be null for per-dataset)
     * @param gtLabels       h*w ground-truth classes
     */
    public void add(int[] predLabels, float[] foregroundProb, int[] gtLabels, int h, int w) {
        add(null, predLabels, foregroundProb, gtLabels, h, w);
    }

    /**
     * Adds one frame of a clip; the frames of a clip come one after another (the per-image F-measure is averaged
     * over clips).
     *
     * @param clipId the clip's id, or null (frames without one form one clip)
     */
    public void add(String clipId, int[] predLabels, float[] foregroundProb, int[] gtLabels, int h, int w) {
        add(score(clipId, predLabels, foregroundProb, gtLabels, h, w));
    }

    /**
     * What one frame adds to the sums, computed apart from them: frames scored on other machines and added here in
     * the split's order ({@link #add(Frame)}) give the very numbers adding their pixels here gives. {@code tp},
     * {@code fp}, {@code fn} per class; per-image only: each class's IoU and F_beta (NaN where the class is in
     * neither map), the binary IoU and the F-measure curve (null without foreground ground truth).
     */
    public record Frame(String clip, boolean leftOut, long[] tp, long[] fp, long[] fn, double[] classIou,
                        double[] classF, double iou, double[] curve) implements java.io.Serializable {
    }

    /** Scores one frame of a clip ({@link #add(String, int[], float[], int[], int, int)}) without adding it. */
    public Frame score(String clipId, int[] predLabels, float[] foregroundProb, int[] gtLabels, int h, int w) {
        int n = h * w;
        if (predLabels.length != n || gtLabels.length != n || (foregroundProb != null && foregroundProb.length != n)) {
            throw new IllegalArgumentException("metrics: frame of " + h + "x" + w + " = " + n + " pixels, found "
                    + predLabels.length + " predicted, " + gtLabels.length + " ground-truth labels"
                    + (foregroundProb == null ? "" : ", " + foregroundProb.length + " probabilities"));
        }
        int c = classes.size();
        if (msOnly && !MultiSourceFrames.contains(gtLabels, c)) {
            return new Frame(clipId, true, null, null, null, null, null, Double.NaN, null);
        }
        long[] ftp = new long[c];
        long[] ffp = new long[c];
        long[] ffn = new long[c];
        for (int i = 0; i < n; i++) {
            int p = predLabels[i];
            int g = gtLabels[i];
            if (p < 0 || p >= c || g < 0 || g >= c) {
                throw new IllegalArgumentException("metrics: pixel " + i + " has predicted class " + p
                        + " and ground-truth class " + g + ", expected 0.." + (c - 1));
            }
            if (p == g) {
                ftp[p]++;
            } else {
                ffp[p]++;
                ffn[g]++;
            }
        }
        if (!perImage) {
            return new Frame(clipId, false, ftp, ffp, ffn, null, null, Double.NaN, null);
        }
        double[] classIou = new double[c];
        double[] classF = new double[c];
        for (int k = 0; k < c; k++) {
            long union = ftp[k] + ffp[k] + ffn[k];
            // AVSBench divides by frames with the class in ground truth or prediction
            classIou[k] = union > 0 ? (double) ftp[k] / union : Double.NaN;
            classF[k] = union > 0 ? fbeta(ftp[k], ffp[k], ffn[k], beta2) : Double.NaN;
        }
        // binary "not background" maps
        long inter = 0;
        long unionFg = 0;
        long gtFg = 0;
        for (int i = 0; i < n; i++) {
            boolean pf = predLabels[i] != 0;
            boolean gf = gtLabels[i] != 0;
            inter += pf && gf ? 1 : 0;
            unionFg += pf || gf ? 1 : 0;
            gtFg += gf ? 1 : 0;
        }
        double iou = gtFg == 0 ? (double) (n - unionFg) / n : (double) inter / unionFg;
        double[] curve = null;
        if (gtFg > 0) {
            if (foregroundProb == null) {
                throw new IllegalArgumentException("metrics: the per-image protocol needs foreground probabilities");
            }
            // histogram of the highest threshold index each pixel reaches, then cumulative counts from the top
            long[] predAt = new long[THRESHOLDS + 1];
            long[] tpAt = new long[THRESHOLDS + 1];
            for (int i = 0; i < n; i++) {
                int k = levels(foregroundProb[i]);
                predAt[k]++;
                if (gtLabels[i] != 0) {
                    tpAt[k]++;
                }
            }
            curve = new double[THRESHOLDS];
            long pred = 0;
            long hit = 0;
            for (int k = THRESHOLDS - 1; k >= 0; k--) {
                pred += predAt[k + 1];
                hit += tpAt[k + 1];
                curve[k] = fbeta(hit, pred - hit, gtFg - hit, beta2);
            }
        }
        return new Frame(clipId, false, ftp, ffp, ffn, classIou, classF, iou, curve);
    }

    /** Adds a frame {@link #score} scored (here or in another process with the same classes and protocol). */
    public void add(Frame f) {
        if (f.leftOut()) {
            leftOut++;
            return;
        }
        int c = classes.size();
        if (f.tp().length != c) {
            throw new IllegalArgumentException("metrics: frame scored over " + f.tp().length + " classes, expected "
                    + c);
        }
        for (int k = 0; k < c; k++) {
            tp[k] += f.tp()[k];
            fp[k] += f.fp()[k];
            fn[k] += f.fn()[k];
            gtPixels[k] += f.tp()[k] + f.fn()[k];
        }
        images++;
        if (!perImage) {
            return;
        }
        for (int k = 0; k < c; k++) {
            if (!Double.isNaN(f.classIou()[k])) {
                classIouSum[k] += f.classIou()[k];
                classIouFrames[k]++;
                classFSum[k] += f.classF()[k];
                classFFrames[k]++;
            }
        }
        if (clips == 0 || !java.util.Objects.equals(clip, f.clip())) {
            closeClip();
            clip = f.clip();
            clips++;
            byClip |= f.clip() != null;
        }
        iouSum += f.iou();
        if (f.curve() != null) {
            for (int k = THRESHOLDS - 1; k >= 0; k--) {
                curveSum[k] += f.curve()[k];
                clipCurve[k] += f.curve()[k];
            }
            curveFrames++;
            clipCurveFrames++;
        }
    }

    /**
     * Adds a batch frame by frame (copied to Java once).
     *
     * @param predLabels (B,H,W) integer label map, e.g. {@link InferenceMerge.Merged#labels()}
     * @param foreground (B,H,W) float foreground probability, or null (per-dataset only)
     * @param gtLabels   (B,H,W) integer ground truth
     */
    public void addBatch(NDArray predLabels, NDArray foreground, NDArray gtLabels) {
        Shape s = predLabels.getShape();
        if (s.dimension() != 3 || !s.equals(gtLabels.getShape())
                || (foreground != null && !s.equals(foreground.getShape()))) {
            throw new IllegalArgumentException("metrics: expected (B,H,W) predictions, probabilities and ground"
                    + " truth of one shape, found " + s + ", " + (foreground == null ? "none" : foreground.getShape())
                    + " and " + gtLabels.getShape());
        }
        int b = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        int hw = h * w;
        int[] pred = predLabels.toType(DataType.INT32, false).toIntArray();
        int[] gt = gtLabels.toType(DataType.INT32, false).toIntArray();
        float[] fg = foreground == null ? null : foreground.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < b; i++) {
            add(Arrays.copyOfRange(pred, i * hw, (i + 1) * hw),
                    fg == null ? null : Arrays.copyOfRange(fg, i * hw, (i + 1) * hw),
                    Arrays.copyOfRange(gt, i * hw, (i + 1) * hw), h, w);
        }
    }

    /** Adds the open clip's maximum to the finished ones' and starts an empty curve. */
    private void closeClip() {
        clipMaxSum += clipMax();
        Arrays.fill(clipCurve, 0);
        clipCurveFrames = 0;
    }

    /** The maximum of the open clip's mean curve; 0 when none of its frames has foreground ground truth. */
    private double clipMax() {
        double best = 0;
        for (int k = 0; k < THRESHOLDS && clipCurveFrames > 0; k++) {
            best = Math.max(best, clipCurve[k] / clipCurveFrames);
        }
        return best;
    }

    /** Number of thresholds t_k with t_k <= v (pixel predicted foreground at thresholds 0..levels-1). */
    private int levels(float v) {
        double x = v;
        int k = (int) Math.floor(x * (THRESHOLDS - 1) / (1 - 1e-10));
        k = Math.max(-1, Math.min(THRESHOLDS - 1, k));
        while (k + 1 < THRESHOLDS && thresholds[k + 1] <= x) {
            k++;
        }
        while (k >= 0 && thresholds[k] > x) {
            k--;
        }
        return k + 1;
    }

    static double fbeta(long tp, long fp, long fn, double beta2) {
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f = (1 + beta2) * precision * recall / (beta2 * precision + recall);
        return Double.isNaN(f) ? 0 : f;
    }

    public int images() {
        return images;
    }

    /** Mean IoU under the protocol. */
    public double miou() {
        if (perImage) {
            return images == 0 ? Double.NaN : iouSum / images;
        }
        return images == 0 ? Double.NaN : meanOver(perClass(), true);
    }

    /**
     * Mean F_beta under the protocol (per-image: the mean over clips of the maximum over thresholds of the clip's
     * mean curve; frames without clip ids: the maximum of the mean curve, NaN when no frame has foreground).
     */
    public double fbeta() {
        if (perImage) {
            if (byClip) {
                return (clipMaxSum + clipMax()) / clips;
            }
            if (curveFrames == 0) {
                return Double.NaN;
            }
            double best = 0;
            for (double s : curveSum) {
                best = Math.max(best, s / curveFrames);
            }
            return best;
        }
        return meanOver(perClass(), false);
    }

    /** Mean F-measure curve of the per-image protocol at each of the 255 thresholds. */
    public double[] fbetaCurve() {
        double[] out = new double[THRESHOLDS];
        for (int k = 0; k < THRESHOLDS; k++) {
            out[k] = curveFrames == 0 ? Double.NaN : curveSum[k] / curveFrames;
        }
        return out;
    }

    public List<ClassScore> perClass() {
        List<ClassScore> out = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            double iou;
            double f;
            if (perImage) {
                iou = classIouFrames[k] == 0 ? Double.NaN : classIouSum[k] / classIouFrames[k];
                f = classFFrames[k] == 0 ? Double.NaN : classFSum[k] / classFFrames[k];
            } else {
                long union = tp[k] + fp[k] + fn[k];
                // cavp: an absent class scores 0 (when any frame was scored at all)
                iou = union == 0 ? (allClasses && images > 0 ? 0 : Double.NaN) : (double) tp[k] / union;
                f = union == 0 ? Double.NaN : fbeta(tp[k], fp[k], fn[k], beta2);
            }
            out.add(new ClassScore(classes.get(k), iou, f, gtPixels[k]));
        }
        return out;
    }

    /** The per-class table (class, IoU, F-beta, ground-truth pixels), named after the protocol. */
    public Table table() {
        Table t = Table.create("per-class (" + protocol() + ")", StringColumn.create("class"),
                DoubleColumn.create("iou"), DoubleColumn.create("fbeta"), LongColumn.create("pixels"));
        for (ClassScore s : perClass()) {
            t.stringColumn("class").append(s.name());
            t.doubleColumn("iou").append(s.iou());
            t.doubleColumn("fbeta").append(s.fbeta());
            t.longColumn("pixels").append(s.pixels());
        }
        return t;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: mIoU %.4f, F-beta %.4f over %d frames", protocol(), miou(), fbeta(),
                images);
    }

    private static double meanOver(List<ClassScore> scores, boolean iou) {
        double sum = 0;
        int n = 0;
        for (ClassScore s : scores) {
            double v = iou ? s.iou() : s.fbeta();
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
