package cpm.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parts of ./cpm bench that are not timings: statistics, CSV rows, seeded matrices, /proc readings. */
class BenchPartsTest {

    @Test
    void medianAndQuantileAgreeWithSortedOrder() {
        double[] xs = {5, 1, 4, 2, 3};
        assertEquals(3, Stats.median(xs));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 2, 3}));
        assertEquals(5, Stats.quantile(xs, 0.9));
        assertArrayEquals(new double[] {5, 1, 4, 2, 3}, xs, "the input is not reordered");
    }

    @Test
    void csvRowsQuoteDetailsWithCommasAndQuotes() {
        assertEquals("a,ms,1.5,plain", new BenchRow("a", "ms", 1.5, "plain").csv());
        assertEquals("a,ms,2,\"x=1, \"\"y\"\"\"", new BenchRow("a", "ms", 2, "x=1, \"y\"").csv());
        assertEquals("a,ms,0.3333,d", new BenchRow("a", "ms", 1.0 / 3, "d").csv());
    }

    @Test
    void costMatricesAreSeededUniformAndDistinctPerSize() {
        double[][] a = Benchmarks.costMatrix(100, 10, 42);
        double[][] b = Benchmarks.costMatrix(100, 10, 42);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i]);
            for (double v : a[i]) {
                assertTrue(v >= 0 && v < 1);
            }
        }
        double mean = Arrays.stream(a).flatMapToDouble(Arrays::stream).average().orElseThrow();
        assertEquals(0.5, mean, 0.05);
        assertTrue(Benchmarks.costMatrix(10, 100, 42)[0][0] != a[0][0]);
    }

    @Test
    void residentMemoryIsReadFromProc() {
        double rss = Machine.rssMb();
        long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        if (!Double.isNaN(rss)) {
            assertTrue(rss * 1024 * 1024 > heap / 4.0, "resident memory covers a good part of the used heap");
        }
    }
}
