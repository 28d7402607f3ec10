package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The named tensors of a model: trainable parameters (gradient attached) and buffers (running statistics).
 * All live in one long-lived manager; training steps create their activations elsewhere (an NDScope), so the
 * store does not grow. Views made by {@link #child(String)} share the store and prefix names with a dot;
 * {@link #group(String)} tags new parameters with an optimiser group (e.g. "backbone" for its lr multiplier).
 *
 * <p>Parameters are views into a few flat {@link Chunk}s, one series per optimiser group and rank class (matrices,
 * which AdamW decays, apart from vectors), so the optimiser can update a whole chunk with one fused call instead of
 * one per tensor (bench/NOTES.md, change 9). Writers must therefore copy into a parameter in place
 * ({@code set(NDIndex, NDArray)}), never give it new storage.
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
    private final List<Chunk> chunks;

    /** Values per chunk: large enough that a small model needs a handful, small enough to waste little. */
    static final int CHUNK = 1 << 18;

    /**
     * A flat float32 buffer holding consecutive parameters of one optimiser group and rank class, in creation
     * order (matrices apart from vectors and scalars).
     */
    public static final class Chunk {
        private final NDArray data;
        private final String group;
        private final boolean matrices;
        private final List<String> names = new ArrayList<>();
        private long used;
        private NDArray flat;

        Chunk(NDArray data, String group, boolean matrices) {
            this.data = data;
            this.group = group;
            this.matrices = matrices;
        }

        /** The part of the buffer that holds parameters (a view: writing to it writes the parameters). */
        public NDArray flat() {
            if (flat == null || flat.size() != used) {
                flat = used == data.size() ? data : data.get(new NDIndex("0:{}", used));
                ai.djl.ndarray.NDScope.unregister(flat); // long-lived: a training step's scope must not close it
            }
            return flat;
        }

        public String group() {
            return group;
        }

        /** Whether the parameters have rank 2 or more. */
        public boolean matrices() {
            return matrices;
        }

        /** The parameters' names, in buffer order. */
        public List<String> names() {
            return Collections.unmodifiableList(names);
        }

        public long size() {
            return used;
        }
    }

    public Weights(NDManager manager, long seed) {
        this(manager, seed, "", "default", new LinkedHashMap<>(), new ArrayList<>());
    }

    private Weights(NDManager manager, long seed, String prefix, String group, Map<String, Entry> store,
                    List<Chunk> chunks) {
        this.manager = manager;
        this.seed = seed;
        this.prefix = prefix;
        this.group = group;
        this.store = store;
        this.chunks = chunks;
    }

    public NDManager manager() {
        return manager;
    }

    public long seed() {
        return seed;
    }

    /** A view whose new names start with {@code prefix + "." + name}. */
    public Weights child(String name) {
        return new Weights(manager, seed, prefix + name + ".", group, store, chunks);
    }

    /** A view whose new parameters belong to the optimiser group {@code name}. */
    public Weights group(String name) {
        return new Weights(manager, seed, prefix, name, store, chunks);
    }

    /** A trainable float32 parameter, initialised from (seed, full name). */
    public NDArray param(String name, Shape shape, Init init) {
        String full = prefix + name;
        if (store.containsKey(full)) {
            throw new IllegalStateException("parameter " + full + " defined twice");
        }
        float[] values = init.values(shape, new SplittableRandom(seed ^ hash(full)));
        NDArray a = allocate(shape, full);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDArray v = manager.create(values, shape)) {
            a.set(new NDIndex("..."), v);
        } finally {
            JniUtils.setGradMode(grad);
        }
        a.setName(full);
        a.setRequiresGradient(true);
        store.put(full, new Entry(a, group, true));
        return a;
    }

    /** A view of {@code shape} at the end of the open chunk of this group and rank class (a new chunk if full). */
    private NDArray allocate(Shape shape, String full) {
        boolean matrices = shape.dimension() > 1;
        long n = shape.size();
        Chunk c = null;
        for (int i = chunks.size() - 1; i >= 0; i--) {
            Chunk k = chunks.get(i);
            if (k.group.equals(group) && k.matrices == matrices) {
                c = k.used + n <= k.data.size() ? k : null;
                break;
            }
        }
        if (c == null) {
            c = new Chunk(manager.zeros(new Shape(Math.max(CHUNK, n))), group, matrices);
            chunks.add(c);
        }
        NDArray view = c.data.get(new NDIndex("{}:{}", c.used, c.used + n)).reshape(shape);
        c.used += n;
        c.names.add(full);
        return view;
    }

    /** The parameter chunks, in creation order. */
    public List<Chunk> chunks() {
        return Collections.unmodifiableList(chunks);
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
