package cpm.data;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/** The render cache: same values as rendering afresh, renders once, stays within its budget, hands out copies. */
class RenderCacheTest {

    @Test
    void cachedAudioEqualsAFreshRenderOfTheSameItem() {
        SyntheticDataset a = new SyntheticDataset("semantic", "train", 7, 6, 3, 32, 16000, 0.25);
        SyntheticDataset fresh = new SyntheticDataset("semantic", "train", 7, 6, 3, 32, 16000, 0.25);
        for (int i = 0; i < a.size(); i++) {
            float[] first = a.audio(i);
            first[0] += 1f;                                   // a caller's change must not reach the cache
            float[] again = a.audio(i);
            float[] direct = fresh.scene(i / 3).renderAudio(i % 3, 16000, 4000, 1);
            assertArrayEquals(direct, again, 0f, "item " + i);
            assertArrayEquals(direct, a.get(i).audio(), 0f, "item " + i + " through get");
        }
        SyntheticOffscreen o = new SyntheticOffscreen(3, 10, 16000, 0.25, 2, 9);
        SyntheticOffscreen o2 = new SyntheticOffscreen(3, 10, 16000, 0.25, 2, 9);
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(o2.get(i), o.get(i), 0f);
            assertArrayEquals(o2.get(i), o.get(i), 0f, "second read of " + i);
        }
    }

    @Test
    void rendersEachItemOnceWithinTheBudgetAndAlwaysWhenOverIt() {
        AtomicInteger renders = new AtomicInteger();
        RenderCache c = new RenderCache(25);                  // room for two items of 10 values
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4; i++) {
                int item = i;
                float[] v = c.get(i, k -> {
                    renders.incrementAndGet();
                    float[] r = new float[10];
                    java.util.Arrays.fill(r, item);
                    return r;
                });
                assertEquals(10, v.length);
                assertEquals(i, v[9], 0f);
            }
        }
        // items 0 and 1 fit and are rendered once; 2 and 3 do not and are rendered every round
        assertEquals(2 + 2 * 3, renders.get());
        assertEquals(20, c.size());
        assertNotSame(c.get(0, k -> null), c.get(0, k -> null));
    }
}
