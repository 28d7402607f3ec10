package cpm.reliability;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/** The smallest recipes that still run every part of CPM (GMM updates, VCP, ACP, PCL) for the reliability tests. */
public final class QuickRecipes {

    private QuickRecipes() {
    }

    /** tiny at 64 px, batch 2, every CPM loss on from step 0, GMM refitted every 2 steps, dropout, a small bank. */
    public static Recipe quick(int steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optim.steps", steps);
        m.put("optim.warmupSteps", 1);
        m.put("optim.batchSize", 2);
        m.put("image.size", 64);
        m.put("data.trainItems", 8);
        m.put("data.testItems", 2);
        m.put("eval.maxItems", 2);
        m.put("run.checkpointInterval", 4);
        m.put("run.logInterval", 2);
        m.put("run.threads", 1);
        m.put("run.pictures", 1);
        m.put("classifier.updateInterval", 2);
        m.put("cpm.warmupSteps", 0);
        m.put("decoder.dropout", 0.1);
        m.put("classifier.bankSize", 8); // the FIFO wraps within a few steps: resume must keep its order
        return Presets.get("tiny").with(m);
    }
}
