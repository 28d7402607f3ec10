package cpm.diag;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StsWindowTest {

    static List<Long> closing(StsWindow w, long steps) {
        List<Long> out = new ArrayList<>();
        for (long s = 1; s <= steps; s++) {
            if (w.logged(s) && w.closes(s)) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void windowIsAnEpochAtMostAHundredStepsAndClosesOnLoggedSteps() {
        assertEquals(List.of(100L, 200L, 250L), closing(new StsWindow(10, 250, 250), 250), "tiny: 250 steps/epoch");
        assertEquals(List.of(10L, 20L, 25L), closing(new StsWindow(5, 10, 25), 25));
        // a window that is not a multiple of the log interval closes where both agree
        assertEquals(List.of(50L, 100L, 120L), closing(new StsWindow(10, 25, 120), 120));
        assertEquals(List.of(3L), closing(new StsWindow(10, 0, 3), 3), "the last step always closes one");
        assertEquals(100, new StsWindow(1, 1_000_000, 10).steps());
        assertEquals(1, new StsWindow(1, 0, 10).steps());
    }

    @Test
    void loggedEveryIntervalAndAtTheLastStep() {
        StsWindow w = new StsWindow(10, 100, 25);
        assertTrue(w.logged(10));
        assertFalse(w.logged(11));
        assertTrue(w.logged(25));
        assertThrows(IllegalArgumentException.class, () -> new StsWindow(0, 10, 10));
    }

    @Test
    void closeReadsTheScoreAndClearsTheWindow() {
        MatchingStability m = new MatchingStability(2, 2);
        m.record("a", new int[] {1, 2});
        m.record("b", new int[] {2, 1});
        double sts = StsWindow.close(m);
        assertEquals(Math.log(2), sts, 1e-12);
        assertEquals(0, m.items());
    }
}
