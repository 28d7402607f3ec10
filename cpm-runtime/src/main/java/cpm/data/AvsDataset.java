package cpm.data;

import java.util.List;

/** A split of an audio-visual segmentation data set, indexed by labelled frame (clip-major). */
public interface AvsDataset {

    String name();

    /** Class names, background first. */
    List<String> classes();

    /** True when labels are binary (sounding vs not). */
    boolean binary();

    /** Audio channels of every sample. */
    int channels();

    /** Number of labelled frames. */
    int size();

    Sample get(int index);

    /** The audio of item {@code index} alone (readers override this to skip decoding the image). */
    default float[] audio(int index) {
        return get(index).audio();
    }

    /**
     * The clip of item {@code index}, 0-based (items of a clip share it): data.frameSampling randomLabelled draws
     * one item per clip. By default every item is a clip of its own.
     */
    default int clipIndex(int index) {
        return index;
    }

    /** The audio tags of item {@code index}, or null when unknown. */
    default boolean[] tags(int index) {
        return get(index).tags();
    }
}
