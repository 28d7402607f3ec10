package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The named tensors of a model: trainable parameters (gradient attached) and buffers (running statistics).
 * All live in one long-lived manager; training steps create their activations elsewhere (an NDScope), so the
 * store does not grow. Views made by {@link #child(String)} share the store and prefix names with a dot;
 * {@link #group(String)} tags new parameters with an optimiser group (e.g. "backbone" for its lr multiplier).
 */
public final class Weights implements AutoCloseable {

    /** One named tensor. */
    public static final class Entry {
        private final NDArray array;
        private final String group;
        private boolean trainable;

        Entry(NDArray array, String group, boolean trainable) {
            this.array = array;
            this.group = group;
            this.trainable = trainable;
        }

        public NDArray array() {
            return array;
        }

        public String group() {
            return group;
        }

        public boolean trainable() {
            return trainable;
        }
    }

    private final NDManager manager;
    private final long seed;
    private final String prefix;
    private final String group;
    private final Map<String, Entry> store;

    public Weights(NDManager manager, long seed) {
        this(manager, seed, "", "default", new LinkedHashMap<>());
    }

    private Weights(NDManager manager, long seed, String prefix, String group, Map<String, Entry> store) {
        this.manager = manager;
        this.seed = seed;
        this.prefix = prefix;
        this.group = group;
        this.store = store;
    }

    public NDManager manager() {
        return manager;
    }

    public long seed() {
        return seed;
    }

    /** A view whose new names start with {@code prefix + "." + name}. */
    public Weights child(String name) {
        return new Weights(manager, seed, prefix + name + ".", group, store);
    }

    /** A view whose new parameters belong to the optimiser group {@code name}. */
    public Weights group(String name) {
        return new Weights(manager, seed, prefix, name, store);
    }

    /** A trainable float32 parameter, initialised from (seed, full name). */
    public NDArray param(String name, Shape shape, Init init) {
        String full = prefix + name;
        if (store.containsKey(full)) {
            throw new IllegalStateException("parameter " + full + " defined twice");
        }
        float[] values = init.values(shape, new SplittableRandom(seed ^ hash(full)));
        NDArray a = manager.create(values, shape);
        a.setName(full);
        a.setRequiresGradient(true);
        store.put(full, new Entry(a, group, true));
        return a;
    }

    /** A float32 buffer that is saved with the model but not trained. */
    public NDArray buffer(String name, Shape shape, float fill) {
        String full = prefix + name;
        if (store.containsKey(full)) {
            throw new IllegalStateException("buffer " + full + " defined twice");
        }
        NDArray a = manager.full(shape, fill, DataType.FLOAT32);
        a.setName(full);
        store.put(full, new Entry(a, group, false));
        return a;
    }

    /** Stops training every parameter whose name starts with {@code namePrefix} (frozen backbone stages). */
    public void freeze(String namePrefix) {
        for (Map.Entry<String, Entry> e : store.entrySet()) {
            if (e.getKey().startsWith(namePrefix) && e.getValue().trainable) {
                e.getValue().trainable = false;
                e.getValue().array.setRequiresGradient(false);
            }
        }
    }

    /** Every entry, in creation order. */
    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(store);
    }

    /** Trainable parameters, in creation order. */
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        store.forEach((k, v) -> {
            if (v.trainable) {
                m.put(k, v.array);
            }
        });
        return m;
    }

    public long parameterCount() {
        long n = 0;
        for (Entry e : store.values()) {
            if (e.trainable) {
                n += e.array.size();
            }
        }
        return n;
    }

    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    @Override
    public void close() {
        manager.close();
    }
}
