package cpm.train;

import cpm.data.AvsDataset;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.diag.CoverageScore;
import cpm.eval.SegmentationMetrics;

import java.util.Arrays;

/**
 * Evaluates a session's model on a split under the recipe's protocol (docs/datasets.md): the paper's merge of
 * class probabilities and masks (Sec. 3.1), metrics accumulated frame by frame, and the coverage score
 * (Fig. 3b) of the predictions after the audio layers.
 */
final class Evaluator {

    private final TrainingSession session;

    Evaluator(TrainingSession session) {
        this.session = session;
    }

    TrainingSession.EvalResult run(String split, int maxItems, boolean silence) {
        var recipe = session.recipe();
        AvsDataset data = Datasets.open(recipe, split);
        SegmentationMetrics metrics = new SegmentationMetrics(data.classes(), recipe.eval().protocol(),
                recipe.eval().betaSquared(), recipe.eval().msSubset());
        CoverageScore coverage = new CoverageScore();
        int limit = maxItems > 0 ? maxItems : Integer.MAX_VALUE;
        SplitPredictions.forEach(session, data, limit, silence, coverage, (batch, merged, seen, take) -> {
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
                metrics.add(batch.ids().get(b), n == hw ? p : Arrays.copyOf(p, n), n == hw ? f : Arrays.copyOf(f, n),
                        n == hw ? g : Arrays.copyOf(g, n), n == hw ? h : 1, n == hw ? w : n);
            }
        });
        return new TrainingSession.EvalResult(split, metrics.protocol(), metrics.miou(),
                metrics.fbeta(), metrics.images(), metrics.perClass(), coverage.items() == 0 ? Double.NaN
                : coverage.score(), silence);
    }
}
