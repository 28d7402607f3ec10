package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Map;
import java.util.TreeMap;

/**
 * The one way a training step copies a tensor to the host. On a GPU every copy is a device-to-host sync that
 * stalls the step, so the step keeps them to what the Hungarian matcher, the host-side GMM/memory bank, the
 * finiteness checks and the logs need; each copy names its site and is counted per thread, so a test can pin
 * the count per step (HostCopiesTest) and a new copy cannot slip in unnoticed.
 */
public final class HostCopies {

    private static final ThreadLocal<Map<String, Integer>> COUNTS = ThreadLocal.withInitial(TreeMap::new);

    private HostCopies() {
    }

    public static float[] floats(String site, NDArray a) {
        count(site);
        return (a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false)).toFloatArray();
    }

    public static double[] doubles(String site, NDArray a) {
        count(site);
        return (a.getDataType() == DataType.FLOAT64 ? a : a.toType(DataType.FLOAT64, false)).toDoubleArray();
    }

    public static long[] longs(String site, NDArray a) {
        count(site);
        return (a.getDataType() == DataType.INT64 ? a : a.toType(DataType.INT64, false)).toLongArray();
    }

    public static int[] ints(String site, NDArray a) {
        count(site);
        return (a.getDataType() == DataType.INT32 ? a : a.toType(DataType.INT32, false)).toIntArray();
    }

    /** The copies this thread made since the last {@link #reset}, by site (sorted by name). */
    public static Map<String, Integer> counts() {
        return new TreeMap<>(COUNTS.get());
    }

    /** The number of copies this thread made since the last {@link #reset}. */
    public static int total() {
        return COUNTS.get().values().stream().mapToInt(Integer::intValue).sum();
    }

    public static void reset() {
        COUNTS.get().clear();
    }

    private static void count(String site) {
        COUNTS.get().merge(site, 1, Integer::sum);
    }
}
