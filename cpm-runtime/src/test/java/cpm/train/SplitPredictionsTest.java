package cpm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cpm.data.AvsDataset;
import cpm.data.Datasets;
import cpm.dsl.Recipe;
import cpm.reliability.QuickRecipes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitPredictionsTest {

    @Test
    void visitsTheFirstItemsInDatasetOrderAndStopsAtTheLimit() {
        Recipe r = QuickRecipes.quick(2);
        try (TrainingSession s = new TrainingSession(r)) {
            AvsDataset data = Datasets.open(r, "test");
            for (int limit : new int[]{3, data.size() + 7}) {
                List<String> visited = new ArrayList<>();
                List<int[]> calls = new ArrayList<>();
                int n = SplitPredictions.forEach(s, data, limit, false, null, (batch, merged, seen, take) -> {
                    calls.add(new int[]{seen, take, batch.size()});
                    assertEquals(batch.size(), merged.labels().getShape().get(0), "one prediction per item");
                    for (int b = 0; b < take; b++) {
                        visited.add(batch.ids().get(b) + "#" + batch.frames()[b]);
                    }
                });
                int expected = Math.min(limit, data.size());
                assertEquals(expected, n);
                List<String> want = new ArrayList<>();
                for (int i = 0; i < expected; i++) {
                    want.add(data.get(i).clipId() + "#" + data.get(i).frame());
                }
                assertEquals(want, visited, "items in data set order, limit " + limit);
                int seen = 0;
                for (int[] c : calls) {
                    assertEquals(seen, c[0], "seen counts the items of earlier batches");
                    assertEquals(Math.min(c[2], expected - seen), c[1], "take stops at the limit");
                    seen += c[1];
                }
            }
        }
    }
}
