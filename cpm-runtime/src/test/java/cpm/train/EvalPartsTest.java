package cpm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cpm.dsl.Recipe;
import cpm.reliability.QuickRecipes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A split scored in parts (./cpm eval --spark) joins into the very result of scoring it whole. */
class EvalPartsTest {

    @Test
    void partsOfAnyCutJoinIntoTheWholeEvaluationBitForBit() {
        // per-image uses every accumulator (frame IoU, curves, clips across batch boundaries); 7 items, batch 2
        Recipe r = QuickRecipes.quick(2).with(Map.of("eval.protocol", "per-image", "data.preset", "ms", "data.testItems", 3,
                "eval.maxItems", 7));
        try (TrainingSession s = new TrainingSession(r)) {
            TrainingSession.EvalResult whole = s.evaluate("test", 7, false);
            EvalParts.Plan plan = EvalParts.plan(r, "test", 7);
            assertEquals(4, plan.batches(), "7 items in batches of 2");
            assertEquals(7, whole.images());
            assertTrue(Double.isFinite(whole.coverage()) && Double.isFinite(whole.fbeta()), whole.toString());
            for (int size : new int[] {1, 3}) {
                List<EvalParts.Part> parts = new ArrayList<>();
                for (int first = 0; first < plan.batches(); first += size) {
                    parts.add(0, s.evaluatePart("test", 7, false, first, Math.min(size, plan.batches() - first)));
                }
                // gathered in any order; the join puts them back in the split's
                assertEquals(whole, EvalParts.join(r, plan, "test", false, parts), "parts of " + size + " batch(es)");
            }
        }
    }
}
