package cpm.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.diag.CoverageScore;
import cpm.eval.InferenceMerge;

/**
 * Walks the first items of a split in their order, predicting batch by batch with the paper's inference merge
 * (Sec. 3.1); each batch and its prediction live in their own scope, so memory stays flat over a whole split.
 * Evaluation and the overlay pictures both read a split this way.
 */
public final class SplitPredictions {

    /** Receives one batch, its merged prediction, how many items came before it, and how many of it to use. */
    @FunctionalInterface
    public interface Visitor {
        void visit(Batch batch, InferenceMerge.Merged merged, int seen, int take);
    }

    private SplitPredictions() {
    }

    /**
     * Predicts items 0..limit-1 of {@code data} (all of them when the split is shorter) and hands each batch to
     * {@code visitor}; returns the number of items visited.
     *
     * @param coverage collects the coverage score (Fig. 3b), or null
     */
    public static int forEach(TrainingSession session, AvsDataset data, int limit, boolean silence,
                              CoverageScore coverage, Visitor visitor) {
        return forEach(session, data, 0, limit, silence, coverage, visitor);
    }

    /**
     * As above from item {@code from} on (a batch boundary, so every batch holds the items it holds in a walk from
     * the start: a split can be evaluated in parts); returns the number of items visited.
     */
    public static int forEach(TrainingSession session, AvsDataset data, int from, int limit, boolean silence,
                              CoverageScore coverage, Visitor visitor) {
        var recipe = session.recipe();
        int seen = from;
        try (BatchLoader loader = new BatchLoader(data, null, recipe, false, recipe.run().seed())) {
            if (from % loader.batchSize() != 0) {
                throw new IllegalArgumentException("evaluation from item " + from + ": expected a multiple of the "
                        + "batch size " + loader.batchSize());
            }
            loader.seek(from);
            while (seen < limit) {
                try (NDScope scope = new NDScope(); NDManager m = session.manager().newSubManager()) {
                    scope.suppressNotUsedWarning();
                    Batch batch = loader.next(m);
                    if (batch == null) {
                        break;
                    }
                    InferenceMerge.Merged merged = session.predict(batch, silence, coverage);
                    int take = Math.min(batch.size(), limit - seen);
                    visitor.visit(batch, merged, seen, take);
                    seen += take;
                }
            }
        }
        return seen - from;
    }
}
