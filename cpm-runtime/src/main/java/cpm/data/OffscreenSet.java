package cpm.data;

/** The audio-only noise set D_r that audio conditional prompting mixes into a clip's audio (paper Sec. 3.2). */
public interface OffscreenSet {

    int size();

    /** channels*S planar waveform in [-1,1]. */
    float[] get(int index);

    /** Per class of the data set: whether the class sounds in item {@code index}; null when unknown. */
    default boolean[] tags(int index) {
        return null;
    }

    /**
     * Whether item {@code noiseIndex} may be mixed into item {@code dataIndex} of {@code data}: true unless
     * both have known tags over the same classes and share a sounding (non-background) class.
     */
    default boolean compatible(int noiseIndex, AvsDataset data, int dataIndex) {
        boolean[] n = tags(noiseIndex);
        if (n == null) {
            return true;
        }
        boolean[] t = data.tags(dataIndex);
        if (t == null || t.length != n.length) {
            return true;
        }
        for (int c = 1; c < n.length; c++) {
            if (n[c] && t[c]) {
                return false;
            }
        }
        return true;
    }
}
