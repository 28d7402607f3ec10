package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.Datasets;
import cpm.data.Subset;
import cpm.viz.Pictures;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the pictures of a run show, computed from a session: predictions on a split (the Sec. 3.1 merge) and the
 * ACP masks of training items (Eq. 5). The arrays go to {@link Pictures}, which only draws.
 */
public final class PredictionPictures {

    private PredictionPictures() {
    }

    /** Image | ground truth | prediction of item {@code b} of a batch; {@code pred} is a (H, W) label map. */
    public static BufferedImage overlay(Batch batch, int b, NDArray pred, List<String> classes, String title) {
        return overlay(batch.images().get(b), batch.labels().get(b), pred, classes, title);
    }

    /** Image (3, H, W) | ground truth (H, W) | prediction (H, W), as tensors. */
    public static BufferedImage overlay(NDArray image, NDArray gt, NDArray pred, List<String> classes, String title) {
        long[] s = image.getShape().getShape();
        return Pictures.overlay(image.toFloatArray(), (int) s[1], (int) s[2],
                gt.toType(DataType.INT64, false).toLongArray(), pred.toType(DataType.INT64, false).toLongArray(),
                classes, title);
    }

    /**
     * Draws {@code n} items of a split, each from a different clip ({@link #distinctClipItems}): image, ground
     * truth, prediction and error map side by side, the per-image IoU in the title, as {@code SPLIT-NNN.png} in
     * {@code dir}. Returns the files written.
     */
    public static List<Path> overlays(TrainingSession session, String split, int n, Path dir) {
        List<Path> written = new ArrayList<>();
        if (n <= 0) {
            return written;
        }
        AvsDataset data = Datasets.open(session.recipe(), split);
        AvsDataset chosen = Subset.of(data, distinctClipItems(data, n));
        SplitPredictions.forEach(session, chosen, n, false, null, (batch, merged, seen, take) -> {
            for (int b = 0; b < take; b++) {
                BufferedImage img = overlay(batch, b, merged.labels().get(b), data.classes(),
                        batch.ids().get(b) + " frame " + batch.frames()[b]);
                Path file = dir.resolve(String.format(Locale.ROOT, "%s-%03d.png", split, seen + b));
                Pictures.writePng(img, file);
                written.add(file);
            }
        });
        return written;
    }

    /**
     * Up to {@code n} items of a split from distinct clips, in split order: the first labelled frame of each of
     * the first clips (neighbouring frames of one clip look alike and would show one scene n times). When the
     * split has fewer clips than {@code n}, later frames of the clips fill up the rest.
     */
    public static List<Integer> distinctClipItems(AvsDataset data, int n) {
        List<Integer> picked = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        java.util.Set<String> clips = new java.util.HashSet<>();
        for (int i = 0; i < data.size() && picked.size() < n; i++) {
            if (clips.add(data.get(i).clipId())) {
                picked.add(i);
            } else if (rest.size() < n) {
                rest.add(i);
            }
        }
        for (int i = 0; picked.size() < n && i < rest.size(); i++) {
            picked.add(rest.get(i));
        }
        picked.sort(null);
        return picked;
    }

    /**
     * ACP in pictures (Eq. 5): for a few training items, the mixture spectrogram a_p with the mask that each class
     * prompt finds, and the target ratio mask a_i / a_p, as {@code acp-NNN.png}. Returns the files written.
     */
    public static List<Path> acpMasks(TrainingSession session, int n, Path dir) {
        List<Path> written = new ArrayList<>();
        for (int k = 0, tries = 0; written.size() < n && tries < 4 * n; k += 7, tries++) {
            TrainingSession.AcpExample ex = session.acpExample(k);
            if (ex == null) {
                continue;
            }
            Path file = dir.resolve(String.format(Locale.ROOT, "acp-%03d.png", written.size()));
            Pictures.writePng(Pictures.acpMasks(ex.item(), ex.mixture(), ex.target(), ex.masks(), ex.names()), file);
            written.add(file);
        }
        return written;
    }

    /** The loss columns of history.csv, drawn on the curves' log axis. */
    public static final List<String> LOSS_COLUMNS = List.of("loss", "loss_agn", "loss_vcp", "loss_acp", "loss_pcl");
    /** The columns of another scale (STS in nats, shares in 0..1), drawn on a panel of their own. */
    public static final List<String> SCORE_COLUMNS = List.of("sts", "share_vcp", "share_acp", "share_pcl");

    /** The training curves of a history: the loss terms (log axis) above, STS and task shares below. */
    public static void curves(History history, Path file) {
        Pictures.curves(series(history, LOSS_COLUMNS), series(history, SCORE_COLUMNS), file);
    }

    /** The series of some history columns (steps where the column is empty are left out). */
    public static List<Pictures.Series> series(History history, List<String> columns) {
        List<Pictures.Series> s = new ArrayList<>();
        for (String c : columns) {
            double[][] xy = history.series(c);
            s.add(new Pictures.Series(c, xy[0], xy[1]));
        }
        return s;
    }

    /** One column of several runs' histories, one series per run. */
    public static void compare(java.util.Map<String, History> runs, String column, Path file) {
        List<Pictures.Series> s = new ArrayList<>();
        runs.forEach((name, h) -> {
            double[][] xy = h.series(column);
            s.add(new Pictures.Series(name, xy[0], xy[1]));
        });
        Pictures.compare(column, s, file);
    }
}
