package cpm.train;

import ai.djl.ndarray.NDManager;
import cpm.dsl.Presets;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The weighted objective of Sec. 3.2, its shares, and VCP's fixed targets (Eq. 6). */
class CpmObjectiveTest {

    @Test
    void totalIsAgnPlusLambdaTimesTheWeightedTasksAndSharesAddUp() {
        var r = Presets.get("tiny").toBuilder().cpm(c -> c.lambda(0.5).vcpWeight(2).acpWeight(30).pclWeight(0.25))
                .build();
        CpmObjective o = new CpmObjective(r.cpm());
        try (NDManager m = NDManager.newBaseManager()) {
            CpmObjective.Terms t = new CpmObjective.Terms();
            t.agn = m.create(4f);
            t.vcp = m.create(3f);
            t.acp = m.create(0.1f);
            t.pcl = m.create(2f);
            double expected = 4 + 0.5 * (2 * 3 + 30 * 0.1 + 0.25 * 2);
            CpmObjective.Values v = o.values(t, o.total(t));
            assertEquals(expected, v.total(), 1e-5);
            assertEquals(0.5 * 2 * 3 / expected, v.shareVcp(), 1e-6);
            assertEquals(0.5 * 30 * 0.1 / expected, v.shareAcp(), 1e-6);
            assertEquals(4 / expected + v.shareVcp() + v.shareAcp() + v.sharePcl(), 1, 1e-6);
            t.pcl = null;
            CpmObjective.Values off = o.values(t, o.total(t));
            assertTrue(Double.isNaN(off.pcl()) && Double.isNaN(off.sharePcl()), "a task that is off is NaN");
            assertEquals(4 + 0.5 * (6 + 3), off.total(), 1e-5);
        }
    }

    @Test
    void promptTargetsAreTheirClassSegmentNoObjectOrIgnored() {
        try (NDManager m = NDManager.newBaseManager()) {
            // image 0: classes 3 and 5 present (targets 0, 1); image 1: class 2 only
            long[] labels = new long[2 * 4 * 4];
            for (int i = 0; i < 4; i++) {
                labels[i] = 3;
                labels[4 + i] = 5;
                labels[16 + i] = 2;
            }
            Targets t = Targets.fromLabels(m.create(labels, new ai.djl.ndarray.types.Shape(2, 4, 4)), 8, 4, 4);
            int c3 = indexOf(t.classes(0), 3);
            int c5 = indexOf(t.classes(0), 5);
            int[][] prompts = {{5, 3, 7}, {2, -1, -1}};
            int[][] got = VisualConditionalPrompting.targets(prompts, t);
            assertArrayEquals(new int[] {c5, c3, -1}, got[0], "class 7 sounds but has no pixels: no-object");
            assertArrayEquals(new int[] {indexOf(t.classes(1), 2), SetCriterion.IGNORE, SetCriterion.IGNORE}, got[1]);
        }
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new AssertionError(v + " not among the targets");
    }
}
