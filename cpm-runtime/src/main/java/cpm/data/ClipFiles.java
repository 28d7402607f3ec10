package cpm.data;

import cpm.data.DataProblem.Kind;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The rules for a clip's files, applied by a reader when training reads an item and by {@link DataCheck} to
 * every item: frame and label map decode, are the same size, the label map's colours or indices are classes
 * ({@link LabelMaps}; a labels_semantic map that has a labels_rgb twin agrees with it, check only); the WAV
 * decodes, has the channels the recipe asks for and covers the clip's frames. Only what training reads is
 * checked (a v1s training clip's unlabelled frames must exist but are not decoded).
 */
final class ClipFiles {

    private ClipFiles() {
    }

    /** How a layout turns a label image into class indices (palette or binary mask). */
    interface LabelDecoder {
        int[] decode(BufferedImage img, Path file);
    }

    /** A labelled frame: the image and its class indices. */
    record Frame(BufferedImage image, int[] label) {
    }

    /** Frame {@code f} of a clip with its decoded label map; null when a problem was reported (collecting). */
    static Frame frame(ClipDataset.Clip clip, int f, LabelDecoder decoder, Problems problems) {
        return frame(clip, f, decoder, problems, img -> { });
    }

    /** As {@link #frame(ClipDataset.Clip, int, LabelDecoder, Problems)}; {@code decoded} sees the frame image. */
    static Frame frame(ClipDataset.Clip clip, int f, LabelDecoder decoder, Problems problems,
                       java.util.function.Consumer<BufferedImage> decoded) {
        Path fp = clip.frames().get(f), lp = clip.labels().get(f);
        BufferedImage img = image(fp, problems);
        if (img != null) {
            decoded.accept(img);
        }
        BufferedImage lab = image(lp, problems);
        if (img == null || lab == null) {
            return null;
        }
        if (lab.getWidth() != img.getWidth() || lab.getHeight() != img.getHeight()) {
            problems.report(new DataException(Kind.LABEL_SIZE, lp, "a label map of " + lab.getWidth() + "x"
                    + lab.getHeight(), img.getWidth() + "x" + img.getHeight() + " like its frame " + fp.getFileName()));
            return null;
        }
        int[] label = label(lab, lp, decoder, problems);
        return label == null ? null : new Frame(img, label);
    }

    /**
     * A frame read from labels_semantic whose clip also has labels_rgb: both must give the same classes (pixels
     * the index map ignores excepted). Only data check applies it: training reads the labels_semantic map alone.
     */
    static void sameAsRgb(Frame frame, Path semantic, LabelDecoder decoder, Problems problems) {
        Path rgb = LabelMaps.rgbTwin(semantic);
        if (frame == null || !java.nio.file.Files.isRegularFile(rgb)) {
            return;
        }
        BufferedImage lab = image(rgb, problems);
        int w = frame.image().getWidth(), h = frame.image().getHeight();
        if (lab != null && (lab.getWidth() != w || lab.getHeight() != h)) {
            problems.report(new DataException(Kind.LABEL_SIZE, rgb, "a label map of " + lab.getWidth() + "x"
                    + lab.getHeight(), w + "x" + h + " like " + semantic.getParent().getFileName() + "/"
                    + semantic.getFileName()));
            return;
        }
        int[] other = lab == null ? null : label(lab, rgb, decoder, problems);
        if (other == null) {
            return;
        }
        int[] mine = frame.label();
        for (int i = 0; i < mine.length; i++) {
            if (mine[i] != other[i] && mine[i] != BatchLoader.IGNORE) {
                problems.report(new DataException(Kind.LABEL_MISMATCH, semantic, String.format(Locale.ROOT,
                        "class %d at pixel (x=%d, y=%d) where %s/%s has class %d", mine[i], i % w, i / w,
                        LabelMaps.RGB, rgb.getFileName(), other[i]), "the classes of " + LabelMaps.RGB + "/"
                        + rgb.getFileName() + " (the clip has both kinds of label map)"));
                return;
            }
        }
    }

    /** The class indices of a label image; null when a problem was reported. */
    static int[] label(BufferedImage lab, Path file, LabelDecoder decoder, Problems problems) {
        try {
            return decoder.decode(lab, file);
        } catch (DataException e) {
            problems.report(e);
            return null;
        }
    }

    /** A decoded image; null when a problem was reported. */
    static BufferedImage image(Path file, Problems problems) {
        try {
            return Images.read(file);
        } catch (DataException e) {
            problems.report(e);
            return null;
        }
    }

    /**
     * The clip's WAV when it decodes, has {@code channels} channels where that is 2 ({@link WavIO#channelRule};
     * 0: any) and lasts at least (frames - 1) x secondsPerFrame (the last frame's window may be short and is
     * zero padded); null when a problem was reported.
     */
    static WavIO.Wav audio(ClipDataset.Clip clip, double secondsPerFrame, int channels, Problems problems) {
        WavIO.Wav w;
        try {
            w = WavIO.read(clip.wav());
            if (channels > 0) {
                WavIO.channelRule(w, channels, clip.wav());
            }
        } catch (DataException e) {
            problems.report(e);
            return null;
        }
        double seconds = (double) w.length() / w.sampleRate();
        int n = clip.frames().size();
        double need = (n - 1) * secondsPerFrame;
        if (seconds < need - 1e-6) {
            problems.report(new DataException(Kind.AUDIO_LENGTH, clip.wav(), String.format(Locale.ROOT,
                    "%.2f s of audio", seconds), String.format(Locale.ROOT, "at least %.2f s for the %d frames of clip %s"
                    + " (%.2f s each, the last may be short)", need, n, clip.uid(), secondsPerFrame)));
            return null;
        }
        return w;
    }
}
