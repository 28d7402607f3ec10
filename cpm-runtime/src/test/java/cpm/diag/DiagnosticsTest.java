package cpm.diag;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import static org.junit.jupiter.api.Assertions.*;

class DiagnosticsTest {

    @Test
    void stsMatchesHandComputedRecords() {
        MatchingStability s = new MatchingStability(3, 2); // labels 0, 1 and no-object 2
        s.record("a", new int[] {0, 2, 1});
        s.record("b", new int[] {0, 1, 2});
        s.record("c", new int[] {0, 2, 2});
        // class 0 always query 0: H = 0; class 1 once on q2, once on q1: ln 2; no-object is not averaged
        assertEquals((0 + Math.log(2)) / 2, s.score(), 1e-12);
        // recording an item again replaces its row: class 1 now twice on q2, once on q1
        s.record("c", new int[] {0, 2, 1});
        double h1 = -(2 / 3.0) * Math.log(2 / 3.0) - (1 / 3.0) * Math.log(1 / 3.0);
        double h2 = -(2 / 3.0) * Math.log(2 / 3.0) - (1 / 3.0) * Math.log(1 / 3.0); // q1: a, c; q2: b
        assertEquals((0 + h1) / 2, s.score(), 1e-12);
        assertTrue(h2 > 0);
        assertEquals(3, s.items());
        Table t = s.perClass();
        assertEquals(3, t.rowCount());
        assertEquals(0.0, t.doubleColumn("entropy").get(0), 0);
        assertEquals(1.0, t.doubleColumn("topShare").get(0), 0);
        s.reset();
        assertTrue(Double.isNaN(s.score()));
        assertThrows(IllegalArgumentException.class, () -> s.record("x", new int[] {0, 3, 1}));
    }

    @Test
    void uniformOverNQueriesGivesLnN() {
        int n = 5;
        MatchingStability s = new MatchingStability(n, 1);
        for (int d = 0; d < n; d++) {
            int[] row = new int[n];
            java.util.Arrays.fill(row, 1);
            row[d] = 0; // class 0 visits every query once; no-object fills the rest uniformly
            s.record("item" + d, row);
        }
        assertEquals(Math.log(n), s.score(), 1e-12);
    }

    @Test
    void coverageIsTheMeanJaccardOfPredictedAndTrueClasses() {
        try (NDManager m = NDManager.newBaseManager()) {
            // C = 3 (0 background), index 3 no-object; B = 3, N = 3
            float[] p = {
                    0.1f, 0.7f, 0.1f, 0.1f,  /* item 0: q0 -> class 1 (0.7) */
                    0.1f, 0.1f, 0.1f, 0.7f,  /* q1 -> no-object */
                    0.3f, 0.2f, 0.4f, 0.1f,  /* q2 -> class 2 but 0.4 <= 0.5 */
                    0.9f, 0.05f, 0.05f, 0f,  /* item 1: q0 -> background, excluded */
                    0.1f, 0.2f, 0.6f, 0.1f,  /* q1 -> class 2 */
                    0.1f, 0.55f, 0.2f, 0.15f, /* q2 -> class 1 */
                    0.1f, 0.1f, 0.1f, 0.7f,  /* item 2: nothing predicted */
                    0.1f, 0.1f, 0.1f, 0.7f,
                    0.1f, 0.1f, 0.1f, 0.7f};
            boolean[][] gt = {{true, true, true}, {true, false, true}, {true, false, false}};
            CoverageScore c = new CoverageScore();
            c.add(m.create(p, new Shape(3, 3, 4)), gt);
            // item 0: P = {1}, G = {1, 2}: 1/2; item 1: P = {1, 2}, G = {2}: 1/2; item 2: both empty: 1
            assertEquals((0.5 + 0.5 + 1) / 3, c.score(), 1e-12);
            assertEquals(3, c.items());
            c.reset();
            assertEquals(0, c.items());
        }
    }
}
