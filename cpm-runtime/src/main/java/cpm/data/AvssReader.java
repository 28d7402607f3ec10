package cpm.data;

import cpm.data.DataProblem.Kind;
import cpm.dsl.Recipe;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * AVSBench-Semantics (and the layout {@code ./cpm synth} writes), docs/datasets.md: metadata.csv (uid, split,
 * label), label2idx.json, {@code <label>/<uid>/frames/i.jpg|png}, label maps {@code labels_semantic/i.png} (class
 * indices, read first, as CAVP does) or {@code labels_rgb/i.png} (VOC palette), see {@link LabelMaps}, and
 * {@code audio.wav}. v1s and v1m clips have 5 frames (5 s), v2 clips 10 (10 s); v1s training clips have only
 * frame 0 labelled; everything else has all frames labelled.
 */
public final class AvssReader extends ClipDataset {

    private final int classCount;

    /** Opens a split (train, val or test); the first problem in the layout is a {@link DataException}. */
    public AvssReader(Path root, String split, Recipe r) {
        this(root, split, r, classesOf(root, r));
    }

    private AvssReader(Path root, String split, Recipe r, List<String> classes) {
        super("avss-" + split, classes, false, scan(root, split, r.data().framesPerClip(), Problems.throwing()), r);
        this.classCount = classes.size();
    }

    /** data.classes when given, else label2idx.json under the root. */
    static List<String> classesOf(Path root, Recipe r) {
        List<String> given = r.data().classes();
        return given.isEmpty() ? ClassMap.read(root.resolve("label2idx.json"), Problems.throwing()) : given;
    }

    @Override
    int[] decodeLabel(BufferedImage img, Path file) {
        return LabelMaps.decode(img, classCount, file);
    }

    /**
     * Frames per clip of a label: 5 for v1s and v1m, 10 for v2, else the frames column (a whole number), else
     * the frames on disk, else the recipe's data.framesPerClip. Null (reported) when the frames column is bad.
     */
    static Integer framesOf(Metadata.Row row, Path dir, int defaultFrames, ClipRows rules) {
        String label = row.get("label");
        if (label.equals("v1s") || label.equals("v1m")) {
            return 5;
        }
        if (label.equals("v2")) {
            return 10;
        }
        if (!row.get("frames").isEmpty()) {
            return rules.count(row, "frames");
        }
        int onDisk = countFiles(dir.resolve("frames"));
        return onDisk > 0 ? onDisk : defaultFrames;
    }

    /**
     * The clips of a split (all splits when {@code split} is null). The rows' rules ({@link ClipRows}) are
     * applied to every row of the file, the files' rules to the split's rows: every missing file, row outside
     * the root or frame-count mismatch goes to {@code problems}; clips with problems are left out.
     */
    static List<Clip> scan(Path root, String split, int defaultFrames, Problems problems) {
        Path csv = root.resolve("metadata.csv");
        int before = problems.reported();
        List<Metadata.Row> rows = Metadata.readCsv(csv, List.of("uid", "split", "label"), problems);
        ClipRows rules = new ClipRows(csv, problems);
        boolean readable = problems.reported() == before;
        List<Clip> clips = new ArrayList<>();
        for (Metadata.Row row : rows) {
            String label = row.get("label");
            String uid = row.get("uid");
            if (!(rules.split(row) & rules.present(row, "uid", "the clip's id (its folder's name)")
                    & rules.present(row, "label", "v1s, v1m, v2 or the folder holding the clip"))) {
                continue;
            }
            Path dir;
            try {
                dir = label.isEmpty() ? Metadata.inside(root, csv, row.line(), uid)
                        : Metadata.inside(root, csv, row.line(), label, uid);
            } catch (DataException e) {
                problems.report(e);
                continue;
            }
            if (!rules.once(row, dir, uid)) {
                continue;
            }
            Integer frames = framesOf(row, dir, defaultFrames, rules);
            if (frames == null || (split != null && !row.get("split").equals(split))) {
                continue;
            }
            clip(dir, row, frames, problems, clips);
        }
        if (readable) {
            ClipRows.requireItems(csv, split, clips, problems);
        }
        return clips;
    }

    /** The files of the clip in {@code dir} (n frames), each one that training reads required to exist. */
    private static void clip(Path dir, Metadata.Row row, int n, Problems problems, List<Clip> clips) {
        String uid = row.get("uid"), label = row.get("label");
        if (!Files.isDirectory(dir)) {
            problems.report(new DataException(Kind.MISSING, dir, "no such folder", "the folder of clip " + uid
                    + " (metadata.csv line " + row.line() + ")"));
            return;
        }
        boolean onlyFirst = label.equals("v1s") && row.get("split").equals("train");
        boolean ok = true;
        List<Path> frameFiles = new ArrayList<>(), labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path jpg = dir.resolve("frames").resolve(i + ".jpg"), png = dir.resolve("frames").resolve(i + ".png");
            Path fr = Files.isRegularFile(jpg) ? jpg : Files.isRegularFile(png) ? png : null;
            if (fr == null) {
                ok = problems.fail(new DataException(Kind.MISSING, jpg, "no such file (nor " + png.getFileName()
                        + ")", "frame " + i + " of " + n + " of clip " + uid));
            }
            frameFiles.add(fr);
            Path lp = LabelMaps.of(dir, i);
            boolean labelled = !onlyFirst || i == 0;
            if (labelled && !Files.isRegularFile(lp)) {
                ok = problems.fail(new DataException(Kind.MISSING, lp, "no such file (nor " + LabelMaps.SEMANTIC
                        + "/" + i + ".png)", "the label map of frame " + i + " of clip " + uid));
            }
            labels.add(labelled ? lp : null);
        }
        int present = countFiles(dir.resolve("frames"));
        if (present > n) {
            ok = problems.fail(new DataException(Kind.FRAME_COUNT, dir.resolve("frames"), present + " frames",
                    n + " frames for label \"" + label + "\""));
        }
        Path wav = dir.resolve("audio.wav");
        ok &= problems.requireFile(wav, "the audio of clip " + uid);
        problems.keep(clips, new Clip(uid, row.get("split"), frameFiles, labels, wav), ok);
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
