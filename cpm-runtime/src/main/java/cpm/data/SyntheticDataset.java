package cpm.data;

import cpm.dsl.SyntheticCatalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A split of the built-in synthetic benchmark, generated in memory (docs/datasets.md). Item i is frame
 * i % framesPerClip of clip i / framesPerClip; each clip is a deterministic function of (seed, split, clip).
 */
public final class SyntheticDataset implements AvsDataset {

    private final String preset;
    private final String split;
    private final long seed;
    private final int clips;
    private final int framesPerClip;
    private final int height;
    private final int width;
    private final int sampleRate;
    private final int samplesPerFrame;
    private final int channels;
    private final boolean binary;
    private final RenderCache audioCache = new RenderCache(RenderCache.DEFAULT_VALUES);
    private final Map<Integer, SynthScene> scenes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, SynthScene> e) {
            return size() > 64;
        }
    };

    public SyntheticDataset(String preset, String split, long seed, int clips, int framesPerClip, int imageSize,
                            int sampleRate, double secondsPerFrame) {
        this(preset, split, seed, clips, framesPerClip, imageSize, imageSize, sampleRate, secondsPerFrame);
    }

    /** Any image size: scenes are laid out in relative coordinates, object sizes relative to the shorter side. */
    public SyntheticDataset(String preset, String split, long seed, int clips, int framesPerClip, int height, int width,
                            int sampleRate, double secondsPerFrame) {
        if (!List.of("ss", "ms", "semantic", "stereo").contains(preset)) {
            throw new DataException("data.preset", "\"" + preset + "\"", "one of ss, ms, semantic, stereo");
        }
        this.preset = preset;
        this.split = split;
        this.seed = seed;
        this.clips = clips;
        this.framesPerClip = framesPerClip;
        this.height = height;
        this.width = width;
        this.sampleRate = sampleRate;
        this.samplesPerFrame = (int) Math.round(sampleRate * secondsPerFrame);
        this.channels = preset.equals("stereo") ? 2 : 1;
        this.binary = SyntheticCatalog.isBinary(preset);
    }

    /** The generator of clip {@code clip} of a split: one SplittableRandom per (seed, split, clip). */
    static SplittableRandom clipRandom(long seed, String split, int clip) {
        long s = seed * 0x9E3779B97F4A7C15L + splitCode(split) * 0xBF58476D1CE4E5B9L + clip * 0x94D049BB133111EBL;
        return new SplittableRandom(s);
    }

    static long splitCode(String split) {
        return switch (split) {
            case "train" -> 1;
            case "val" -> 2;
            case "test" -> 3;
            default -> 4 + (split.hashCode() & 0xFFFFFFFFL);
        };
    }

    SynthScene scene(int clip) {
        synchronized (scenes) {
            return scenes.computeIfAbsent(clip, c -> new SynthScene(preset, framesPerClip, clipRandom(seed, split, c)));
        }
    }

    public String preset() {
        return preset;
    }

    public String split() {
        return split;
    }

    public int framesPerClip() {
        return framesPerClip;
    }

    public int clips() {
        return clips;
    }

    /** The clip id of clip c: split, preset and index, e.g. "train-semantic-000012". */
    public String clipId(int clip) {
        return String.format("%s-%s-%06d", split, preset, clip);
    }

    @Override
    public String name() {
        return "synthetic-" + preset + "-" + split;
    }

    @Override
    public List<String> classes() {
        return SyntheticCatalog.classNames(preset);
    }

    @Override
    public boolean binary() {
        return binary;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int size() {
        return clips * framesPerClip;
    }

    @Override
    public Sample get(int index) {
        check(index);
        int clip = index / framesPerClip, f = index % framesPerClip;
        SynthScene s = scene(clip);
        float[] rgb = new float[3 * height * width];
        int[] label = new int[height * width];
        s.renderImage(f, height, width, rgb, label, binary);
        float[] audio = audio(index);
        return new Sample(clipId(clip), f, height, width, rgb, label, audio, channels, sampleRate, tags(index));
    }

    @Override
    public float[] audio(int index) {
        check(index);
        return audioCache.get(index, i -> scene(i / framesPerClip).renderAudio(i % framesPerClip, sampleRate,
                samplesPerFrame, channels));
    }

    @Override
    public int clipIndex(int index) {
        check(index);
        return index / framesPerClip;
    }

    @Override
    public boolean[] tags(int index) {
        check(index);
        boolean[] sem = scene(index / framesPerClip).semanticTags(index % framesPerClip);
        if (!binary) {
            return sem;
        }
        boolean any = false;
        for (boolean b : sem) {
            any |= b;
        }
        return new boolean[]{false, any};
    }

    /** The semantic classes (1..8) visible anywhere in item {@code index}'s clip, sounding or not. */
    boolean[] visibleClasses(int index) {
        return scene(index / framesPerClip).visibleClasses();
    }

    private void check(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("item " + index + " of " + name() + " (size " + size() + ")");
        }
    }
}
