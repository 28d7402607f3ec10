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

    Batch(NDArray images, NDArray labels, NDArray waves, NDArray noise, NDArray tags, List<String> ids, int[] frames) {
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
