package cpm.data;

import cpm.dsl.Recipe;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A data set on disk as a list of clips (frame images, label maps, one WAV each), indexed by labelled frame
 * (clip-major). Frames are resized for image.size (bilinear image, nearest label) unless
 * image.originalResolution: to the square itself (data.resize squash) or, keeping the aspect ratio, to the size
 * {@link Images#fitSize} gives, which the {@link BatchLoader} then pads or crops to the square. Audio is resampled
 * to audio.sampleRate and cut into per-frame windows.
 */
abstract class ClipDataset implements AvsDataset {

    /** One clip: its split, frame files, label files (null where a frame is unlabelled) and the WAV file. */
    record Clip(String uid, String split, List<Path> frames, List<Path> labels, Path wav) {
    }

    private final String name;
    private final List<String> classes;
    private final boolean binary;
    private final int channels;
    private final int sampleRate;
    private final int samplesPerFrame;
    private final double secondsPerFrame;
    private final int imageSize;
    private final boolean original;
    private final Images.Fit fit;
    final List<Clip> clips;
    private final int[] itemClip;
    private final int[] itemFrame;
    private final boolean[][] tagCache;
    private int cachedClip = -1;
    private float[][] cachedAudio;

    ClipDataset(String name, List<String> classes, boolean binary, List<Clip> clips, Recipe r) {
        this.name = name;
        this.classes = List.copyOf(classes);
        this.binary = binary;
        this.clips = clips;
        this.channels = r.audio().channels();
        this.sampleRate = r.audio().sampleRate();
        this.secondsPerFrame = r.audio().secondsPerFrame();
        this.samplesPerFrame = (int) Math.round(sampleRate * secondsPerFrame);
        this.imageSize = r.image().size();
        this.original = r.image().originalResolution();
        this.fit = Images.Fit.of(r.data().resize());
        List<int[]> items = new ArrayList<>();
        for (int c = 0; c < clips.size(); c++) {
            List<Path> labels = clips.get(c).labels();
            for (int f = 0; f < labels.size(); f++) {
                if (labels.get(f) != null) {
                    items.add(new int[]{c, f});
                }
            }
        }
        itemClip = items.stream().mapToInt(a -> a[0]).toArray();
        itemFrame = items.stream().mapToInt(a -> a[1]).toArray();
        tagCache = new boolean[itemClip.length][];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> classes() {
        return classes;
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
        return itemClip.length;
    }

    /** Decodes the label file of a frame (palette or binary mask). */
    abstract int[] decodeLabel(BufferedImage img, Path file);

    @Override
    public Sample get(int index) {
        Clip clip = clips.get(itemClip[index]);
        int f = itemFrame[index];
        ClipFiles.Frame frame = ClipFiles.frame(clip, f, this::decodeLabel, Problems.throwing());
        BufferedImage img = frame.image();
        int h = img.getHeight(), w = img.getWidth();
        float[] rgb = Images.toChw(img);
        int[] label = frame.label();
        boolean[] tags = tagsOf(label);
        tagCache[index] = tags;
        if (!original) {
            int[] size = Images.fitSize(h, w, imageSize, fit);
            rgb = Images.resizeBilinear(rgb, 3, h, w, size[0], size[1]);
            label = Images.resizeNearest(label, h, w, size[0], size[1]);
            h = size[0];
            w = size[1];
        }
        return new Sample(clip.uid(), f, h, w, rgb, label, audio(index), channels, sampleRate, tags);
    }

    @Override
    public float[] audio(int index) {
        int c = itemClip[index];
        float[][] a;
        synchronized (this) {
            if (cachedClip != c) {
                Clip clip = clips.get(c);
                WavIO.Wav wav = ClipFiles.audio(clip, secondsPerFrame, channels, Problems.throwing());
                cachedAudio = WavIO.conform(wav, sampleRate, channels, clip.wav());
                cachedClip = c;
            }
            a = cachedAudio;
        }
        return WavIO.frameWindow(a, samplesPerFrame, itemFrame[index]);
    }

    /** Tags from the label map: a class sounds when its pixels are labelled (AVS maps mark only sounding objects). */
    @Override
    public boolean[] tags(int index) {
        boolean[] t = tagCache[index];
        if (t == null) {
            Path p = clips.get(itemClip[index]).labels().get(itemFrame[index]);
            t = tagsOf(ClipFiles.label(ClipFiles.image(p, Problems.throwing()), p, this::decodeLabel,
                    Problems.throwing()));
            tagCache[index] = t;
        }
        return t;
    }

    private boolean[] tagsOf(int[] label) {
        boolean[] t = new boolean[classes.size()];
        for (int v : label) {
            if (v < t.length) { // unlabelled pixels (255 in VPO masks and labels_semantic maps, padding) are no class
                t[v] = true;
            }
        }
        t[0] = false;
        return t;
    }

    @Override
    public int clipIndex(int index) {
        return itemClip[index];
    }

    /** The clip id and frame of an item. */
    String clipOf(int index) {
        return clips.get(itemClip[index]).uid();
    }
}
