package cpm.examples;

import cpm.dsl.Ablations;
import cpm.dsl.Recipe;
import cpm.train.TrainingSession;
import cpm.train.loop.TrainingLoop;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The rows of the paper's Table 4 (baseline, +CCDM, +VCP, +ACP, +VCP+ACP, full CPM) derived from one base recipe
 * with {@link Ablations#table4}, each trained on the same small budget and evaluated; prints mIoU, F-beta and the
 * matching stability score per row. On a budget this small the numbers say little about the method: for a real
 * comparison use {@code ./cpm ablate tiny --table 4 --seeds 3}. {@code Ablation [STEPS]} (default 10).
 */
public final class Ablation {

    private Ablation() {
    }

    public static void main(String[] args) {
        int steps = Examples.steps(args, 0, 10);
        Recipe base = Examples.small().with("optim.steps", Math.max(3, steps));
        StringColumn row = StringColumn.create("row");
        DoubleColumn miou = DoubleColumn.create("miou");
        DoubleColumn fbeta = DoubleColumn.create("fbeta");
        DoubleColumn sts = DoubleColumn.create("sts");
        for (Ablations.Row r : Ablations.table4(base)) {
            try (TrainingSession session = new TrainingSession(r.recipe())) {
                new TrainingLoop(session, List.of()).run(steps); // the loop ./cpm train runs, without listeners
                TrainingSession.EvalResult e = session.evaluate("test", r.recipe().eval().maxItems(), false);
                row.append(r.name());
                miou.append(e.miou());
                fbeta.append(e.fbeta());
                sts.append(session.stability().score());
                System.out.println("trained " + r.name() + " (" + steps + " steps)");
            }
        }
        System.out.println(Table.create("Table 4 rows after " + steps + " steps each", row, miou, fbeta, sts).print());
    }
}
