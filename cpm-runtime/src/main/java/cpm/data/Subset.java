package cpm.data;

import java.util.List;

/** Some items of a split, in the order given, as a split of their own (the pictures read chosen items this way). */
public final class Subset implements AvsDataset {

    private final AvsDataset data;
    private final int[] items;

    private Subset(AvsDataset data, int[] items) {
        this.data = data;
        this.items = items;
    }

    /** Items {@code items} of {@code data}; each must be a valid index. */
    public static Subset of(AvsDataset data, List<Integer> items) {
        int[] idx = items.stream().mapToInt(Integer::intValue).toArray();
        for (int i : idx) {
            if (i < 0 || i >= data.size()) {
                throw new IllegalArgumentException("item " + i + ": expected 0.." + (data.size() - 1));
            }
        }
        return new Subset(data, idx);
    }

    @Override
    public String name() {
        return data.name();
    }

    @Override
    public List<String> classes() {
        return data.classes();
    }

    @Override
    public boolean binary() {
        return data.binary();
    }

    @Override
    public int channels() {
        return data.channels();
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public Sample get(int index) {
        return data.get(items[index]);
    }

    @Override
    public float[] audio(int index) {
        return data.audio(items[index]);
    }

    @Override
    public int clipIndex(int index) {
        return data.clipIndex(items[index]);
    }

    @Override
    public boolean[] tags(int index) {
        return data.tags(items[index]);
    }
}
