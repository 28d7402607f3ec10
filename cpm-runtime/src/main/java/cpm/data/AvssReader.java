package cpm.data;

import cpm.dsl.Recipe;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * AVSBench-Semantics (and the layout {@code ./cpm synth} writes), docs/datasets.md: metadata.csv (uid, split,
 * label), label2idx.json, {@code <label>/<uid>/frames/i.jpg|png}, {@code labels_rgb/i.png} (VOC palette) and
 * {@code audio.wav}. v1s training clips have only frame 0 labelled; everything else has all frames labelled.
 */
public final class AvssReader extends ClipDataset {

    private final int classCount;

    /** Opens a split (train, val or test); the first problem in the layout is a {@link DataException}. */
    public AvssReader(Path root, String split, Recipe r) {
        this(root, split, r, classesOf(root, r), null, "avss");
    }

    AvssReader(Path root, String split, Recipe r, List<String> classes, String subset, String kind) {
        super(kind + "-" + split, classes, false, scan(root, split, subset, !kind.startsWith("vpo"),
                r.data().framesPerClip(), Problems.throwing()), r);
        this.classCount = classes.size();
    }

    /** data.classes when given, else label2idx.json under the root. */
    static List<String> classesOf(Path root, Recipe r) {
        List<String> given = r.data().classes();
        return given.isEmpty() ? Metadata.readLabel2Idx(root.resolve("label2idx.json")) : given;
    }

    @Override
    int[] decodeLabel(BufferedImage img, Path file) {
        return Palette.decode(img, classCount, file);
    }

    /**
     * Frames per clip of a label: 5 for v1s and v1m, 10 for v2, else the frames column, else the frames on disk,
     * else the recipe's data.framesPerClip.
     */
    static int framesOf(Map<String, String> row, Path dir, int defaultFrames) {
        String label = row.getOrDefault("label", "");
        if (label.equals("v1s") || label.equals("v1m")) {
            return 5;
        }
        if (label.equals("v2")) {
            return 10;
        }
        String f = row.getOrDefault("frames", "");
        if (!f.isEmpty()) {
            try {
                return Integer.parseInt(f);
            } catch (NumberFormatException e) {
                return defaultFrames;
            }
        }
        int onDisk = countFiles(dir.resolve("frames"));
        return onDisk > 0 ? onDisk : defaultFrames;
    }

    /**
     * The clips of a split (all splits when {@code split} is null), keeping rows whose subset (column
     * "subset", else "label") equals {@code subset} when that is given. Every missing file, row outside the
     * root or frame-count mismatch goes to {@code problems}; clips with problems are left out.
     */
    static List<Clip> scan(Path root, String split, String subset, boolean requireLabel, int defaultFrames,
                           Problems problems) {
        Path csv = root.resolve("metadata.csv");
        List<Map<String, String>> rows = problems.readCsv(csv,
                requireLabel ? List.of("uid", "split", "label") : List.of("uid", "split"));
        List<Clip> clips = new ArrayList<>();
        int rowNo = 1;
        for (Map<String, String> row : rows) {
            rowNo++;
            if (split != null && !row.get("split").equals(split)) {
                continue;
            }
            String label = row.getOrDefault("label", "");
            if (subset != null && (row.containsKey("subset") || row.containsKey("label"))) {
                String s = row.containsKey("subset") ? row.get("subset") : label;
                if (!s.equalsIgnoreCase(subset)) {
                    continue;
                }
            }
            String uid = row.get("uid");
            Path dir;
            try {
                dir = label.isEmpty() ? Metadata.inside(root, csv, rowNo, uid) : Metadata.inside(root, csv, rowNo, label, uid);
            } catch (DataException e) {
                problems.report(e);
                continue;
            }
            if (!Files.isDirectory(dir)) {
                problems.report(new DataException(dir, "no such folder", "the folder of clip " + uid
                        + " (metadata.csv row " + rowNo + ")"));
                continue;
            }
            int n = framesOf(row, dir, defaultFrames);
            boolean onlyFirst = label.equals("v1s") && row.get("split").equals("train");
            boolean ok = true;
            List<Path> frames = new ArrayList<>(), labels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path jpg = dir.resolve("frames").resolve(i + ".jpg"), png = dir.resolve("frames").resolve(i + ".png");
                Path fr = Files.isRegularFile(jpg) ? jpg : Files.isRegularFile(png) ? png : null;
                if (fr == null) {
                    problems.report(new DataException(jpg, "no such file (nor " + png.getFileName() + ")",
                            "frame " + i + " of " + n + " of clip " + uid));
                    ok = false;
                }
                frames.add(fr);
                Path lp = dir.resolve("labels_rgb").resolve(i + ".png");
                boolean labelled = !onlyFirst || i == 0;
                if (labelled) {
                    ok &= problems.requireFile(lp, "the label map of frame " + i + " of clip " + uid);
                }
                labels.add(labelled ? lp : null);
            }
            int present = countFiles(dir.resolve("frames"));
            if (present > n) {
                problems.report(new DataException(dir.resolve("frames"), present + " frames",
                        n + " frames for label \"" + label + "\""));
                ok = false;
            }
            Path wav = dir.resolve("audio.wav");
            ok &= problems.requireFile(wav, "the audio of clip " + uid);
            problems.keep(clips, new Clip(uid, frames, labels, wav), ok);
        }
        return clips;
    }

    private static int countFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".jpg") || n.endsWith(".png");
            }).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
