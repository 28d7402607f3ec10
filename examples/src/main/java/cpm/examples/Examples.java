package cpm.examples;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;

import java.util.Map;

/** Shared bits of the example programs: a CPU-sized recipe and argument parsing. */
final class Examples {

    private Examples() {
    }

    /**
     * The preset tiny on a small slice of the synthetic benchmark (16 clips, batch 4, one libtorch thread), so a
     * few steps take seconds; raise data.trainItems and the steps for a model worth looking at.
     */
    static Recipe small() {
        return Presets.get("tiny").with(Map.of("data.trainItems", 16, "data.testItems", 4, "eval.maxItems", 4,
                "optim.batchSize", 4, "optim.warmupSteps", 2, "classifier.updateInterval", 2,
                "run.checkpointInterval", 0, "run.threads", 1));
    }

    /** args[index] as a step count, or {@code fallback} when absent. */
    static int steps(String[] args, int index, int fallback) {
        if (args.length <= index) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(args[index]);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("argument " + (index + 1) + ": found \"" + args[index]
                    + "\", expected a step count >= 0");
        }
    }
}
