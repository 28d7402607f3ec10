package cpm.data;

import java.util.SplittableRandom;

/**
 * The synthetic off-screen set D_r (docs/datasets.md, paper Sec. 3.2): one-second sounds of the eight object
 * classes and of the three off-screen-only types (wind, clicks, hum), with per-item pitch, phase, loudness and,
 * in stereo, a random pan. {@link #compatible} keeps ACP from mixing in a class that is visible in the clip.
 */
public final class SyntheticOffscreen implements OffscreenSet {

    private final long seed;
    private final int size;
    private final int sampleRate;
    private final int samples;
    private final int channels;
    private final int classCount;
    private final RenderCache cache = new RenderCache(RenderCache.DEFAULT_VALUES);

    public SyntheticOffscreen(long seed, int size, int sampleRate, double secondsPerFrame, int channels, int classCount) {
        this.seed = seed;
        this.size = size;
        this.sampleRate = sampleRate;
        this.samples = (int) Math.round(sampleRate * secondsPerFrame);
        this.channels = channels;
        this.classCount = classCount;
    }

    private SplittableRandom rng(int index) {
        return SyntheticDataset.clipRandom(seed, "offscreen", index);
    }

    /** Sound type of item {@code index}: 1..8 object classes, 9..11 off-screen only. */
    public int type(int index) {
        return 1 + rng(index).nextInt(SynthSounds.TYPES);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public float[] get(int index) {
        return cache.get(index, this::render);
    }

    private float[] render(int index) {
        SplittableRandom r = rng(index);
        int type = 1 + r.nextInt(SynthSounds.TYPES);
        SynthSounds.Voice v = new SynthSounds.Voice(type, 0.92 + 0.16 * r.nextDouble(), r.nextDouble(), r.nextLong());
        float gain = 0.4f + 0.5f * (float) r.nextDouble();
        float[] mono = new float[samples];
        long start = (long) r.nextInt(60) * samples; // a random second of the sound's timeline
        SynthSounds.render(v, sampleRate, start, samples, gain, mono, 0);
        if (channels == 1) {
            return mono;
        }
        double theta = r.nextDouble() * Math.PI / 2;
        float[] out = new float[2 * samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (float) Math.cos(theta) * mono[i];
            out[samples + i] = (float) Math.sin(theta) * mono[i];
        }
        return out;
    }

    /** Semantic tags when the data set is semantic; null for binary sets (use {@link #compatible}). */
    @Override
    public boolean[] tags(int index) {
        if (classCount != SynthScene.CLASSES + 1) {
            return null;
        }
        boolean[] t = new boolean[classCount];
        int type = type(index);
        if (type <= SynthScene.CLASSES) {
            t[type] = true;
        }
        return t;
    }

    /** True when item {@code noiseIndex}'s class is not visible in the clip of {@code data}'s item. */
    @Override
    public boolean compatible(int noiseIndex, AvsDataset data, int dataIndex) {
        int type = type(noiseIndex);
        if (type > SynthScene.CLASSES) {
            return true;
        }
        if (data instanceof SyntheticDataset s) {
            return !s.visibleClasses(dataIndex)[type];
        }
        boolean[] t = data.tags(dataIndex);
        return t == null || t.length != SynthScene.CLASSES + 1 || !t[type];
    }
}
