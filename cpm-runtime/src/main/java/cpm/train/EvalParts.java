package cpm.train;

import cpm.data.AvsDataset;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.diag.CoverageScore;
import cpm.dsl.Recipe;
import cpm.eval.SegmentationMetrics;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * An evaluation split into parts, a run of evaluation batches each, scored apart (on other machines:
 * {@code ./cpm eval --spark}) with {@link TrainingSession#evaluatePart} and joined here. A part carries each frame's
 * scores and each item's coverage, not sums, and the join adds them in the split's order, so the result is the very
 * one {@link TrainingSession#evaluate} gives, bit for bit, however the split was cut.
 */
public final class EvalParts {

    /** What the parts are cut from: the split's classes and its number of evaluation batches. */
    public record Plan(List<String> classes, int batches) implements Serializable {
    }

    /** The scores of batches {@code first, first + 1, ...}: per frame, and each item's coverage. */
    public record Part(int first, List<SegmentationMetrics.Frame> frames, double[] coverage) implements Serializable {
    }

    private EvalParts() {
    }

    /** The split's classes and batches among its first {@code maxItems} items (all when 0), without a model. */
    public static Plan plan(Recipe r, String split, int maxItems) {
        AvsDataset data = Datasets.open(r, split);
        int items = maxItems > 0 ? Math.min(maxItems, data.size()) : data.size();
        int batch = batchSize(r, data);
        return new Plan(data.classes(), (items + batch - 1) / batch);
    }

    /** The parts joined, in their batches' order: what {@link TrainingSession#evaluate} gives on the whole split. */
    public static TrainingSession.EvalResult join(Recipe r, Plan plan, String split, boolean silence,
                                                  List<Part> parts) {
        SegmentationMetrics metrics = metrics(r, plan.classes());
        CoverageScore coverage = new CoverageScore();
        for (Part p : parts.stream().sorted(Comparator.comparingInt(Part::first)).toList()) {
            p.frames().forEach(metrics::add);
            coverage.addAll(p.coverage());
        }
        return result(split, silence, metrics, coverage);
    }

    static int batchSize(Recipe r, AvsDataset data) {
        try (BatchLoader loader = new BatchLoader(data, null, r, false, r.run().seed())) {
            return loader.batchSize();
        }
    }

    static SegmentationMetrics metrics(Recipe r, List<String> classes) {
        return new SegmentationMetrics(classes, r.eval().protocol(), r.eval().betaSquared(), r.eval().msSubset());
    }

    static TrainingSession.EvalResult result(String split, boolean silence, SegmentationMetrics metrics,
                                             CoverageScore coverage) {
        return new TrainingSession.EvalResult(split, metrics.protocol(), metrics.miou(), metrics.fbeta(),
                metrics.images(), metrics.perClass(), coverage.items() == 0 ? Double.NaN : coverage.score(), silence);
    }
}
