package cpm.data;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Rendered arrays of a generated data set by item index, up to a budget of values. The synthetic sounds are pure
 * functions of (seed, item) and cost ~3 ms of CPU per item (bench/NOTES.md, change 14; ~1.4 ms since each sound
 * type renders in its own loop, bench/notes-epoch.md), rendered again every epoch on the core the training step
 * shares; kept here, every epoch after the first costs a copy. Items past the budget
 * are rendered each time, so memory stays bounded. Callers get a copy: a cached array is never handed out.
 */
final class RenderCache {

    /** Default budget per data set: 32 M floats (128 MiB), the audio of 2000 one-second 16 kHz mono items. */
    static final long DEFAULT_VALUES = 32L << 20;

    private final long budget;
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentHashMap<Integer, float[]> items = new ConcurrentHashMap<>();

    RenderCache(long budgetValues) {
        this.budget = budgetValues;
    }

    /** The array of item {@code index}, rendered by {@code render} on first use (if it fits the budget). */
    float[] get(int index, IntFunction<float[]> render) {
        float[] a = items.get(index);
        if (a == null) {
            a = render.apply(index);
            if (used.addAndGet(a.length) <= budget) {
                float[] prev = items.putIfAbsent(index, a);
                if (prev != null) {             // rendered twice by two threads: count it once
                    used.addAndGet(-a.length);
                    a = prev;
                }
            } else {
                used.addAndGet(-a.length);
                return a;                       // not kept: the caller owns it
            }
        }
        return a.clone();
    }

    /** Values held. */
    long size() {
        return used.get();
    }
}
