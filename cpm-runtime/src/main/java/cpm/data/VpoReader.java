package cpm.data;

import cpm.dsl.Recipe;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * VPO (SS, MS, MSMI; mono or stereo) as the release lays it out ({@link VpoLayout}, docs/datasets.md): data.path
 * is the VPO root (or the subset's folder), data.audioPath the VGGSound folder, data.kind the subset and
 * audio.channels mono or stereo. Each item is one image with one labelled frame: masks of COCO ids are mapped to
 * VPO's 22 classes ({@link VpoClasses}), the audio is audio.secondsPerFrame of each object's sound mixed as
 * {@link VpoAudio} says. The split val of the release is the test split.
 */
public final class VpoReader extends ClipDataset {

    private final List<VpoLayout.Item> items;
    private final int channels;
    private final int rate;
    private final int samples;

    private VpoReader(String name, List<VpoLayout.Item> items, Recipe r) {
        super(name, VpoClasses.NAMES, false, items.stream().map(VpoLayout.Item::clip).toList(), r);
        this.items = items;
        this.channels = r.audio().channels();
        this.rate = r.audio().sampleRate();
        this.samples = (int) Math.round(rate * r.audio().secondsPerFrame());
    }

    /** Opens a split (train or test; val is empty) of the subset data.kind names; the first problem is thrown. */
    public static VpoReader open(Path root, String split, Recipe r) {
        String subset = VpoLayout.subset(r.data().kind());
        Problems throwing = Problems.throwing();
        classes(r.data().classes(), "recipe data.classes", throwing);
        Path audios = VpoLayout.audios(r.data().audioPath(), "recipe data.audioPath", throwing);
        List<VpoLayout.Item> items = VpoLayout.scan(root, subset, split, audios, r.audio().channels() == 2,
                throwing);
        return new VpoReader(r.data().kind() + "-" + split, items, r);
    }

    @Override
    int[] decodeLabel(BufferedImage img, Path file) {
        return VpoClasses.decode(img, file);
    }

    /** Item i is clip i: every VPO clip is one labelled image. */
    @Override
    public float[] audio(int index) {
        return VpoAudio.mix(items.get(index).sources(), rate, samples, channels);
    }

    /** data.classes may only repeat VPO's own classes (the masks say COCO ids, the table says which class). */
    private static boolean classes(List<String> given, String origin, Problems problems) {
        if (given.isEmpty() || given.equals(VpoClasses.NAMES)) {
            return true;
        }
        return problems.fail(new DataException(origin, "[" + String.join(", ", given) + "]",
                "empty or VPO's classes [" + String.join(", ", VpoClasses.NAMES) + "]"));
    }

    /**
     * Data check of a subset: the rows, the files, every labelled image and mask decoded (mask values through
     * the COCO table, the same size as the image), every VGGSound file decoded once; all problems collected.
     */
    static void check(Path root, String subset, DataCheck.Settings settings, DataSummary summary, Problems problems) {
        classes(settings.classes(), "data.classes", problems);
        summary.classes(VpoClasses.NAMES, false);
        String origin = settings.audioPath().isEmpty() ? "--audio (or the recipe's data.audioPath)"
                : "--audio or data.audioPath";
        Path audios = VpoLayout.audios(settings.audioPath(), origin, problems);
        Set<Path> decoded = new HashSet<>();
        for (VpoLayout.Item item : VpoLayout.scan(root, subset, null, audios, settings.channels() == 2, problems)) {
            ClipDataset.Clip c = item.clip();
            summary.clip(c);
            if (Files.isRegularFile(c.frames().get(0)) && Files.isRegularFile(c.labels().get(0))) {
                ClipFiles.frame(c, 0, VpoClasses::decode, problems, img -> summary.image(img.getWidth(),
                        img.getHeight()));
            }
            for (VpoLayout.Source s : item.sources()) {
                if (s.wav() != null && Files.isRegularFile(s.wav()) && decoded.add(s.wav())) {
                    WavIO.Wav w = VpoAudio.read(s.wav(), problems);
                    if (w != null) {
                        summary.audio(w);
                    }
                }
            }
        }
    }
}
