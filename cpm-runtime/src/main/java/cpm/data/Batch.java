package cpm.data;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * One batch of labelled frames as NDArrays on the manager given to {@link BatchLoader#next}: images
 * (B,3,H,W) ImageNet-normalised, labels (B,H,W) int64, clean waves (B,C,S), off-screen noise (B,C,S; null in
 * evaluation), tags (B,numClasses) 0/1.
 */
public final class Batch implements AutoCloseable {

    private final NDArray images;
    private final NDArray labels;
    private final NDArray waves;
    private final NDArray noise;
    private final NDArray tags;
    private final List<String> ids;
    private final int[] frames;
    private final long[] hostLabels;
    private final float[] hostTags;

    Batch(NDArray images, NDArray labels, NDArray waves, NDArray noise, NDArray tags, List<String> ids, int[] frames,
          long[] hostLabels, float[] hostTags) {
        this.hostLabels = hostLabels;
        this.hostTags = hostTags;
        this.images = images;
        this.labels = labels;
        this.waves = waves;
        this.noise = noise;
        this.tags = tags;
        this.ids = List.copyOf(ids);
        this.frames = frames;
    }

    public NDArray images() {
        return images;
    }

    public NDArray labels() {
        return labels;
    }

    public NDArray waves() {
        return waves;
    }

    /** Off-screen audio for ACP (training batches); null in evaluation. */
    public NDArray noise() {
        return noise;
    }

    public NDArray tags() {
        return tags;
    }

    /**
     * The labels as the loader built them on the host, (B*H*W) row-major: the step reads them here instead of
     * copying {@link #labels()} back from the device. Shared, not copied: do not modify.
     */
    public long[] hostLabels() {
        return hostLabels;
    }

    /** The tags as built on the host, (B*numClasses) row-major; shared like {@link #hostLabels()}. */
    public float[] hostTags() {
        return hostTags;
    }

    /** Clip id of each item. */
    public List<String> ids() {
        return ids;
    }

    /** Frame index (within its clip) of each item. */
    public int[] frames() {
        return frames.clone();
    }

    public int size() {
        return ids.size();
    }

    @Override
    public void close() {
        for (NDArray a : new NDArray[]{images, labels, waves, noise, tags}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
