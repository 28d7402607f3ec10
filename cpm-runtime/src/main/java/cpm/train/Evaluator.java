package cpm.train;

import cpm.data.AvsDataset;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.diag.CoverageScore;
import cpm.eval.SegmentationMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Evaluates a session's model on a split under the recipe's protocol (docs/datasets.md): the paper's merge of
 * class probabilities and masks (Sec. 3.1), metrics accumulated frame by frame, and the coverage score
 * (Fig. 3b) of the predictions after the audio layers. A split can also be scored in parts, a run of batches
 * each ({@link EvalParts}), whose frames join into the same numbers.
 */
final class Evaluator {

    private final TrainingSession session;

    Evaluator(TrainingSession session) {
        this.session = session;
    }

    TrainingSession.EvalResult run(String split, int maxItems, boolean silence) {
        AvsDataset data = Datasets.open(session.recipe(), split);
        SegmentationMetrics metrics = EvalParts.metrics(session.recipe(), data.classes());
        CoverageScore coverage = new CoverageScore();
        scoreFrames(data, metrics, 0, limit(maxItems), silence, coverage, metrics::add);
        return EvalParts.result(split, silence, metrics, coverage);
    }

    /** Scores batches {@code first .. first + count - 1} of the split's first {@code maxItems} items. */
    EvalParts.Part part(String split, int maxItems, boolean silence, int first, int count) {
        AvsDataset data = Datasets.open(session.recipe(), split);
        int batch = EvalParts.batchSize(session.recipe(), data);
        int from = first * batch;
        int to = (int) Math.min(limit(maxItems), (long) (first + count) * batch);
        List<SegmentationMetrics.Frame> frames = new ArrayList<>();
        CoverageScore coverage = new CoverageScore();
        scoreFrames(data, EvalParts.metrics(session.recipe(), data.classes()), from, to, silence, coverage,
                frames::add);
        return new EvalParts.Part(first, List.copyOf(frames), coverage.itemScores());
    }

    private static int limit(int maxItems) {
        return maxItems > 0 ? maxItems : Integer.MAX_VALUE;
    }

    /** Predicts items {@code from .. limit - 1} and hands each frame's scores to {@code frames}, in order. */
    private void scoreFrames(AvsDataset data, SegmentationMetrics scorer, int from, int limit, boolean silence,
                             CoverageScore coverage, Consumer<SegmentationMetrics.Frame> frames) {
        SplitPredictions.forEach(session, data, from, limit, silence, coverage, (batch, merged, seen, take) -> {
            long[] shape = batch.labels().getShape().getShape();
            int h = (int) shape[1];
            int w = (int) shape[2];
            long[] pred = merged.labels().toLongArray();
            float[] fg = merged.foreground().toFloatArray();
            long[] gt = batch.labels().toLongArray();
            int hw = h * w;
            for (int b = 0; b < take; b++) {
                int[] p = new int[hw];
                int[] g = new int[hw];
                float[] f = new float[hw];
                int n = 0; // padded pixels (data.resize pad) are left out: only the frame is scored
                for (int i = 0; i < hw; i++) {
                    if (gt[b * hw + i] != BatchLoader.IGNORE) {
                        p[n] = (int) pred[b * hw + i];
                        g[n] = (int) gt[b * hw + i];
                        f[n++] = fg[b * hw + i];
                    }
                }
                frames.accept(scorer.score(batch.ids().get(b), n == hw ? p : Arrays.copyOf(p, n),
                        n == hw ? f : Arrays.copyOf(f, n), n == hw ? g : Arrays.copyOf(g, n), n == hw ? h : 1,
                        n == hw ? w : n));
            }
        });
    }
}
