package cpm.examples;

import cpm.dsl.Recipe;
import cpm.eval.SegmentationMetrics;
import cpm.train.TrainingSession;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Locale;

/**
 * Build the tiny CPM recipe, train a few steps, evaluate on the test split and print the per-class scores as a
 * Tablesaw table. {@code QuickStart [STEPS]} (default 30).
 */
public final class QuickStart {

    private QuickStart() {
    }

    public static void main(String[] args) {
        int steps = Examples.steps(args, 0, 30);
        Recipe recipe = Examples.small().with("optim.steps", Math.max(3, steps));
        try (TrainingSession session = new TrainingSession(recipe)) {
            System.out.printf(Locale.ROOT, "%s: %,d parameters, classes %s%n", recipe.name(),
                    session.weights().parameterCount(), session.classes());
            for (int i = 0; i < steps; i++) {
                TrainingSession.StepResult r = session.step();
                if (i == 0 || (i + 1) % 10 == 0 || i == steps - 1) {
                    System.out.printf(Locale.ROOT, "step %d  loss %.4f  (agn %.4f)%n", session.stepsDone(), r.loss(),
                            r.agn());
                }
            }
            TrainingSession.EvalResult e = session.evaluate("test", recipe.eval().maxItems(), false);
            System.out.printf(Locale.ROOT, "test mIoU %.4f  F-beta %.4f  (%s protocol, %d images)%n", e.miou(),
                    e.fbeta(), e.protocol(), e.images());
            System.out.println(perClass(e).print());
        }
    }

    /** The per-class scores of an evaluation as a table. */
    static Table perClass(TrainingSession.EvalResult e) {
        StringColumn name = StringColumn.create("class");
        DoubleColumn iou = DoubleColumn.create("iou");
        DoubleColumn f = DoubleColumn.create("fbeta");
        for (SegmentationMetrics.ClassScore c : e.perClass()) {
            name.append(c.name());
            iou.append(c.iou());
            f.append(c.fbeta());
        }
        return Table.create("per class (" + e.split() + ")", name, iou, f);
    }
}
