package cpm.prompting;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The external memory bank of CCDM (Sec. 3.2, the set F of Eq. 3-4): per class a FIFO ring of the last
 * {@code capacity} detached mask embeddings. The oldest rows are overwritten first.
 */
public final class MemoryBank {

    private final int classes;
    private final int capacity;
    private final int dim;
    private final float[][] rows;   // [class][slot * dim + d]
    private final int[] head;       // next slot to write
    private final int[] count;

    public MemoryBank(int classes, int capacity, int dim) {
        if (classes < 1 || capacity < 1 || dim < 1) {
            throw new IllegalArgumentException("MemoryBank: classes, classifier.bankSize and dim must be >= 1, found "
                    + classes + ", " + capacity + ", " + dim);
        }
        this.classes = classes;
        this.capacity = capacity;
        this.dim = dim;
        this.rows = new float[classes][capacity * dim];
        this.head = new int[classes];
        this.count = new int[classes];
    }

    public int classes() {
        return classes;
    }

    public int capacity() {
        return capacity;
    }

    public int dim() {
        return dim;
    }

    /** Appends rows[i] to the FIFO of classes[i]; a full FIFO drops its oldest row. */
    public void push(float[][] newRows, int[] cls) {
        if (newRows.length != cls.length) {
            throw new IllegalArgumentException("MemoryBank.push: " + newRows.length + " rows but " + cls.length
                    + " class labels");
        }
        for (int i = 0; i < newRows.length; i++) {
            int c = cls[i];
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("MemoryBank.push: class " + c + " out of range 0.." + (classes - 1));
            }
            if (newRows[i].length != dim) {
                throw new IllegalArgumentException("MemoryBank.push: row " + i + " has " + newRows[i].length
                        + " values, expected " + dim);
            }
            System.arraycopy(newRows[i], 0, rows[c], head[c] * dim, dim);
            head[c] = (head[c] + 1) % capacity;
            count[c] = Math.min(count[c] + 1, capacity);
        }
    }

    public int count(int cls) {
        check(cls);
        return count[cls];
    }

    /** The stored rows of a class, oldest first (copies). */
    public float[][] samples(int cls) {
        check(cls);
        int n = count[cls];
        float[][] out = new float[n][dim];
        int start = (head[cls] - n + capacity) % capacity;
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[cls], ((start + i) % capacity) * dim, out[i], 0, dim);
        }
        return out;
    }

    /** Copies the stored rows of a class, oldest first, into {@code dst} (count * dim values) without new arrays. */
    void copyTo(int cls, float[] dst) {
        check(cls);
        int n = count[cls];
        int start = (head[cls] - n + capacity) % capacity;
        int first = Math.min(n, capacity - start); // the ring's tail, then its wrapped head
        System.arraycopy(rows[cls], start * dim, dst, 0, first * dim);
        System.arraycopy(rows[cls], 0, dst, first * dim, (n - first) * dim);
    }

    public void clear() {
        java.util.Arrays.fill(head, 0);
        java.util.Arrays.fill(count, 0);
    }

    /** "shape" = (classes, capacity, dim) and per class "c{k}" = its rows, oldest first. */
    public Map<String, float[]> state() {
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("shape", new float[] {classes, capacity, dim});
        for (int c = 0; c < classes; c++) {
            float[][] r = samples(c);
            float[] flat = new float[r.length * dim];
            for (int i = 0; i < r.length; i++) {
                System.arraycopy(r[i], 0, flat, i * dim, dim);
            }
            s.put("c" + c, flat);
        }
        return s;
    }

    public void load(Map<String, float[]> state) {
        float[] shape = GaussianMixture.require(state, "shape", 3);
        if (shape[0] != classes || shape[2] != dim) {
            throw new IllegalArgumentException("memory bank state: (classes, capacity, dim) is ("
                    + (int) shape[0] + ", " + (int) shape[1] + ", " + (int) shape[2] + "), expected (" + classes
                    + ", " + capacity + ", " + dim + ")");
        }
        clear();
        for (int c = 0; c < classes; c++) {
            float[] flat = state.get("c" + c);
            if (flat == null || flat.length % dim != 0) {
                throw new IllegalArgumentException("memory bank state: entry 'c" + c + "' missing or not a multiple of "
                        + dim + " values");
            }
            int n = flat.length / dim;
            int skip = Math.max(0, n - capacity); // a smaller bank keeps the newest rows
            float[][] r = new float[n - skip][];
            int[] k = new int[n - skip];
            for (int i = skip; i < n; i++) {
                r[i - skip] = java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
                k[i - skip] = c;
            }
            push(r, k);
        }
    }

    private void check(int cls) {
        if (cls < 0 || cls >= classes) {
            throw new IllegalArgumentException("MemoryBank: class " + cls + " out of range 0.." + (classes - 1));
        }
    }
}
