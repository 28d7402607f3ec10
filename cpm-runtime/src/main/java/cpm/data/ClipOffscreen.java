package cpm.data;

/**
 * The off-screen set of a real data set: the audio of other training clips. {@link #compatible} refuses the
 * same clip and, when the labels tell, clips that share a sounding class (disjoint classes, Sec. 3.2).
 */
final class ClipOffscreen implements OffscreenSet {

    private final AvsDataset train;

    ClipOffscreen(AvsDataset train) {
        this.train = train;
    }

    @Override
    public int size() {
        return train.size();
    }

    @Override
    public float[] get(int index) {
        return train.audio(index);
    }

    @Override
    public boolean[] tags(int index) {
        return train.binary() ? null : train.tags(index);
    }

    @Override
    public boolean compatible(int noiseIndex, AvsDataset data, int dataIndex) {
        if (data == train && sameClip(noiseIndex, dataIndex)) {
            return false;
        }
        return OffscreenSet.super.compatible(noiseIndex, data, dataIndex);
    }

    private boolean sameClip(int a, int b) {
        if (train instanceof ClipDataset c) {
            return c.clipOf(a).equals(c.clipOf(b));
        }
        if (train instanceof SyntheticDataset s) {
            return a / s.framesPerClip() == b / s.framesPerClip();
        }
        return a == b;
    }
}
