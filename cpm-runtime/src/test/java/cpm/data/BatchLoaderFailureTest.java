package cpm.data;

import ai.djl.ndarray.NDManager;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever ends a {@link BatchLoader}'s data thread reaches the caller of {@code next} after the batches prepared
 * before it, within a bounded time: an {@link Error} as a {@link DataLoaderException} naming the data set and item,
 * a {@link DataException} as it is; the next call starts over at the position reached.
 */
class BatchLoaderFailureTest {

    static final Recipe R = TestRecipes.tiny("image.size", 32, "optim.batchSize", 2, "audio.channels", 1);

    /** Four items of 8 x 8 pixels; {@code failure} decides what reading an item throws (null: nothing). */
    static AvsDataset dataset(IntFunction<RuntimeException> failure, int errorItem) {
        return new AvsDataset() {
            public String name() {
                return "stub";
            }

            public List<String> classes() {
                return List.of("background", "thing");
            }

            public boolean binary() {
                return false;
            }

            public int channels() {
                return 1;
            }

            public int size() {
                return 4;
            }

            public Sample get(int i) {
                if (i == errorItem) {
                    throw new OutOfMemoryError("stub heap");
                }
                RuntimeException e = failure.apply(i);
                if (e != null) {
                    throw e;
                }
                return new Sample("c" + i, 0, 8, 8, new float[3 * 64], new int[64], new float[16000], 1, 16000,
                        new boolean[2]);
            }
        };
    }

    @Test
    void anErrorOnTheDataThreadReachesTheCallerAfterThePreparedBatches() {
        try (NDManager m = NDManager.newBaseManager();
             BatchLoader l = new BatchLoader(dataset(i -> null, 2), null, R, false, 1)) {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                assertEquals(List.of("c0", "c1"), l.next(m).ids(), "the batch before the failure is used");
                DataLoaderException e = assertThrows(DataLoaderException.class, () -> l.next(m));
                assertInstanceOf(OutOfMemoryError.class, e.getCause());
                assertTrue(e.getMessage().contains("preparing the batch with item 2 of stub: OutOfMemoryError: stub "
                        + "heap; the Java heap holds at most"), e.getMessage());
                assertEquals(2, l.position(), "a failed batch consumes nothing");
                assertThrows(DataLoaderException.class, () -> l.next(m), "a new thread fails the same way");
            });
        }
    }

    @Test
    void aDataExceptionOnTheDataThreadReachesTheCallerAsItIs() {
        DataException bad = new DataException("stub/3.png", "a broken file", "a good one");
        try (NDManager m = NDManager.newBaseManager();
             BatchLoader l = new BatchLoader(dataset(i -> i == 3 ? bad : null, -1), null, R, false, 1)) {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                assertEquals(2, l.next(m).ids().size());
                assertSame(bad, assertThrows(DataException.class, () -> l.next(m)));
            });
        }
    }
}
