package cpm.data;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a data set on disk without training ({@code ./cpm data check}): lists every problem (missing
 * frames, label maps or WAVs, metadata rows naming files outside the root, frame-count mismatches, label maps
 * whose size differs from their frame, colours outside the palette, unknown classes, unreadable or truncated
 * WAVs) instead of stopping at the first.
 */
public final class DataCheck {

    private DataCheck() {
    }

    /** Every problem found under {@code root} for a data.kind (avss, synthetic, s4, ms3, vpo-ss/ms/msmi). */
    public static List<DataProblem> check(Path root, String kind) {
        List<DataProblem> out = new ArrayList<>();
        Problems problems = Problems.collecting(out::add);
        if (!Files.isDirectory(root)) {
            out.add(new DataProblem(String.valueOf(root), "no such folder"));
            return out;
        }
        List<ClipDataset.Clip> clips;
        int classCount;
        switch (kind) {
            case "avss", "synthetic" -> {
                classCount = classes(root, problems);
                clips = AvssReader.scan(root, null, null, true, 5, problems);
            }
            case "s4", "ms3" -> {
                classCount = -1;
                clips = AvsObjectsReader.scan(root, kind, null, problems);
            }
            case "vpo-ss", "vpo-ms", "vpo-msmi" -> {
                String subset = kind.substring(4);
                Path base;
                try {
                    base = VpoReader.subsetRoot(root, subset);
                } catch (DataException e) {
                    problems.report(e);
                    return out;
                }
                classCount = classes(base, problems);
                clips = AvssReader.scan(base, null, base.equals(root) ? subset : null, false, 5, problems);
            }
            default -> {
                out.add(new DataProblem("--kind", "found \"" + kind
                        + "\", expected one of avss, synthetic, s4, ms3, vpo-ss, vpo-ms, vpo-msmi"));
                return out;
            }
        }
        for (ClipDataset.Clip c : clips) {
            checkClip(c, classCount, problems);
        }
        return out;
    }

    private static int classes(Path root, Problems problems) {
        try {
            return Metadata.readLabel2Idx(root.resolve("label2idx.json")).size();
        } catch (DataException e) {
            problems.report(e);
            return 256;
        }
    }

    /** Decodes every file of a clip; classCount -1 means binary masks. */
    private static void checkClip(ClipDataset.Clip c, int classCount, Problems problems) {
        for (int f = 0; f < c.frames().size(); f++) {
            BufferedImage img = null;
            Path fp = c.frames().get(f);
            if (fp != null && Files.isRegularFile(fp)) { // missing files were reported by the scan
                try {
                    img = Images.read(fp);
                } catch (DataException e) {
                    problems.report(e);
                }
            }
            Path lp = c.labels().get(f);
            if (lp == null || !Files.isRegularFile(lp)) {
                continue;
            }
            try {
                BufferedImage lab = Images.read(lp);
                if (img != null && (lab.getWidth() != img.getWidth() || lab.getHeight() != img.getHeight())) {
                    problems.report(new DataException(lp, "a label map of " + lab.getWidth() + "x" + lab.getHeight(),
                            img.getWidth() + "x" + img.getHeight() + " like its frame " + fp.getFileName()));
                }
                if (classCount > 0) {
                    Palette.decode(lab, classCount, lp);
                }
            } catch (DataException e) {
                problems.report(e);
            }
        }
        if (!Files.isRegularFile(c.wav())) {
            return;
        }
        try {
            WavIO.Wav w = WavIO.read(c.wav());
            double seconds = (double) w.length() / w.sampleRate();
            int n = c.frames().size();
            if (seconds < n - 1 - 1e-6) { // the last second may be short (windows are zero padded)
                problems.report(new DataException(c.wav(), String.format("%.2f s of audio", seconds),
                        "about " + n + " s for " + n + " frames of clip " + c.uid()));
            }
        } catch (DataException e) {
            problems.report(e);
        }
    }
}
