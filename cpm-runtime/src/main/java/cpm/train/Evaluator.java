package cpm.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.diag.CoverageScore;
import cpm.eval.InferenceMerge;
import cpm.eval.SegmentationMetrics;

/**
 * Evaluates a session's model on a split under the recipe's protocol (spec/data.md): the paper's merge of
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
        SegmentationMetrics metrics = new SegmentationMetrics(data.classes(), recipe.getString("eval.protocol"),
                recipe.getDouble("eval.betaSquared"));
        CoverageScore coverage = new CoverageScore();
        int limit = maxItems > 0 ? maxItems : Integer.MAX_VALUE;
        int seen = 0;
        try (BatchLoader loader = new BatchLoader(data, null, recipe, false, recipe.getInt("run.seed"))) {
            while (seen < limit) {
                try (NDScope scope = new NDScope(); NDManager m = session.manager().newSubManager()) {
                    scope.suppressNotUsedWarning();
                    Batch batch = loader.next(m);
                    if (batch == null) {
                        break;
                    }
                    InferenceMerge.Merged merged = session.predict(batch, silence, coverage);
                    long[] shape = batch.labels().getShape().getShape();
                    int h = (int) shape[1];
                    int w = (int) shape[2];
                    long[] pred = merged.labels().toLongArray();
                    float[] fg = merged.foreground().toFloatArray();
                    long[] gt = batch.labels().toLongArray();
                    int hw = h * w;
                    for (int b = 0; b < batch.size() && seen < limit; b++, seen++) {
                        int[] p = new int[hw];
                        int[] g = new int[hw];
                        float[] f = new float[hw];
                        for (int i = 0; i < hw; i++) {
                            p[i] = (int) pred[b * hw + i];
                            g[i] = (int) gt[b * hw + i];
                            f[i] = fg[b * hw + i];
                        }
                        metrics.add(p, f, g, h, w);
                    }
                }
            }
        }
        return new TrainingSession.EvalResult(split, recipe.getString("eval.protocol"), metrics.miou(),
                metrics.fbeta(), metrics.images(), metrics.perClass(), coverage.items() == 0 ? Double.NaN
                : coverage.score(), silence);
    }
}
