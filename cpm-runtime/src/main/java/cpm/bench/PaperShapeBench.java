package cpm.bench;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;

/**
 * The paper-shape rows (issue 18): training steps of the {@code paper-avss} preset (ResNet-50, 224 x 224, D_q = 256,
 * 100 queries, 3 + 9 decoder layers) at batch 2 and one thread, toolkit against the Python reference of the same
 * recipe. At these shapes the step is dominated by convolution and matrix kernels, not by the per-op costs that
 * decide the tiny recipes. The data are the built-in synthetic semantic set rendered at 224 px (the step's work does
 * not depend on what the pictures show); each step takes seconds, so one warm-up and three timed steps per round.
 */
final class PaperShapeBench {

    static final int WARMUP = 1;
    static final int STEPS = 3;
    static final int BATCH = 2;

    private PaperShapeBench() {
    }

    /** paper-avss on the synthetic set at its own image size, batch 2. */
    static Recipe recipe() {
        return Presets.get("paper-avss").derive("paper-avss", b -> b
                .data(d -> d.synthetic("semantic").path("").trainItems(16).testItems(2))
                .optim(o -> o.batchSize(BATCH)));
    }

    /** Adds the rows (train_step_* with recipe=paper-avss, and the ratios against the reference) to {@code bench}. */
    static void run(Benchmarks bench) {
        bench.trainStep(recipe(), 1, WARMUP, STEPS);
    }
}
