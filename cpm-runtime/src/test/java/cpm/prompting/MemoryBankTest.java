package cpm.prompting;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MemoryBankTest {

    private static float[] row(float v) {
        return new float[] {v, -v};
    }

    @Test
    void isFifoAndBounded() {
        MemoryBank b = new MemoryBank(3, 4, 2);
        for (int i = 0; i < 6; i++) {
            b.push(new float[][] {row(i), row(100 + i)}, new int[] {0, 2});
        }
        b.push(new float[][] {row(7)}, new int[] {1});
        assertEquals(4, b.count(0));
        assertEquals(1, b.count(1));
        assertEquals(4, b.count(2));
        float[][] s = b.samples(0);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(row(2 + i), s[i], "oldest first, the two oldest dropped");
        }
        assertArrayEquals(row(105), b.samples(2)[3]);
        assertThrows(IllegalArgumentException.class, () -> b.push(new float[][] {row(1)}, new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> b.push(new float[][] {{1f}}, new int[] {0}));
    }

    @Test
    void stateRoundTripsExactly() {
        MemoryBank b = new MemoryBank(2, 3, 2);
        for (int i = 0; i < 5; i++) {
            b.push(new float[][] {row(i * 0.1f)}, new int[] {i % 2});
        }
        Map<String, float[]> st = b.state();
        MemoryBank c = new MemoryBank(2, 3, 2);
        c.load(st);
        for (int k = 0; k < 2; k++) {
            assertEquals(b.count(k), c.count(k));
            float[][] x = b.samples(k);
            float[][] y = c.samples(k);
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(x[i], y[i]);
            }
        }
        // FIFO order continues after loading
        b.push(new float[][] {row(9)}, new int[] {0});
        c.push(new float[][] {row(9)}, new int[] {0});
        assertArrayEquals(b.samples(0)[0], c.samples(0)[0]);
        assertThrows(IllegalArgumentException.class, () -> new MemoryBank(2, 3, 5).load(st));
    }
}
