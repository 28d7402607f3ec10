package cpm.examples;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.train.History;
import cpm.train.loop.HistoryListener;
import cpm.train.loop.TrainingLoop;
import cpm.train.TrainingSession;

import java.util.List;
import java.util.Locale;

/**
 * A recipe written with the fluent DSL: the tiny model with a wider GMM (M = 5), VCP and ACP but no PCL, and a
 * lower learning rate. Prints how it differs from tiny, trains it and prints the loss history as a table.
 * {@code CustomRecipe [STEPS]} (default 20).
 */
public final class CustomRecipe {

    private CustomRecipe() {
    }

    /** The custom recipe: every change is validated when the recipe is built. */
    static Recipe recipe() {
        return Examples.small().derive("my-cpm", b -> b
                .classifier(c -> c.gmm(5))                 // CCDM with M = 5 components per class (Eq. 1)
                .cpm(c -> c.vcp(1.0).acp(0.5).pcl(false))  // VCP and ACP (half weight), PCL off
                .optim(o -> o.adamw(5e-4)));
    }

    public static void main(String[] args) {
        int steps = Examples.steps(args, 0, 20);
        Recipe recipe = recipe();
        System.out.println("my-cpm differs from tiny in:");
        Presets.get("tiny").diff(recipe).forEach(l -> System.out.println("  " + l));
        History history = new History();
        try (TrainingSession session = new TrainingSession(recipe)) {
            // the loop of ./cpm train, with its history listener: a row every run.logInterval steps, STS windows
            new TrainingLoop(session, List.of(new HistoryListener(history, recipe, null))).run(steps);
            System.out.printf(Locale.ROOT, "trained %d steps; STS so far %.4f nats%n", session.stepsDone(),
                    session.stability().score());
        }
        System.out.println(history.toTable().print(12));
    }
}
