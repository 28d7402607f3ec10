package cpm.data;

import cpm.dsl.Recipe;
import cpm.dsl.SyntheticCatalog;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * AVSBench-Objects, docs/datasets.md: S4 ({@code Single-source/}, train clips labelled at frame 1 only) and MS3
 * ({@code Multi-sources/}, all five frames labelled). Masks are binary (any non-zero pixel is foreground);
 * frame files are numbered 1..5 on disk and 0..4 here. The root is the AVSBench folder that holds
 * Single-source/ and Multi-sources/ (or one of those folders itself).
 */
public final class AvsObjectsReader extends ClipDataset {

    static final int FRAMES = 5;

    /** Opens a split of S4 ({@code kind} "s4") or MS3 ("ms3"). */
    public AvsObjectsReader(Path root, String kind, String split, Recipe r) {
        super(kind + "-" + split, SyntheticCatalog.BINARY, true, scan(root, kind, split, Problems.throwing()), r);
    }

    @Override
    int[] decodeLabel(BufferedImage img, Path file) {
        return Palette.decodeBinary(img);
    }

    /** The folder holding the subset's metadata CSV. */
    static Path base(Path root, String kind) {
        String sub = kind.equals("s4") ? "Single-source" : "Multi-sources";
        String csv = kind.equals("s4") ? "s4_meta_data.csv" : "ms3_meta_data.csv";
        if (Files.isRegularFile(root.resolve(csv))) {
            return root;
        }
        return root.resolve(sub);
    }

    /**
     * The clips of a split (all splits when {@code split} is null): the rows' rules ({@link ClipRows}) over the
     * whole file, the files' rules for the split's rows; problems go to {@code problems}.
     */
    static List<Clip> scan(Path root, String kind, String split, Problems problems) {
        if (!kind.equals("s4") && !kind.equals("ms3")) {
            throw new DataException("data.kind", "\"" + kind + "\"", "s4 or ms3");
        }
        boolean s4 = kind.equals("s4");
        Path base = base(root, kind);
        Path csv = base.resolve(s4 ? "s4_meta_data.csv" : "ms3_meta_data.csv");
        int before = problems.reported();
        List<Metadata.Row> rows = Metadata.readCsv(csv,
                s4 ? List.of("name", "category", "split") : List.of("video_id", "split"), problems);
        ClipRows rules = new ClipRows(csv, problems);
        boolean readable = problems.reported() == before;
        Path data = base.resolve(s4 ? "s4_data" : "ms3_data");
        List<Clip> clips = new ArrayList<>();
        for (Metadata.Row row : rows) {
            String sp = row.get("split");
            String name = s4 ? row.get("name") : row.get("video_id");
            String cat = row.get("category");
            boolean valid = rules.split(row) & rules.present(row, s4 ? "name" : "video_id", "the clip's name");
            if (s4) {
                valid &= rules.present(row, "category", "the clip's category (its folder's name)");
            }
            if (!valid) {
                continue;
            }
            int line = row.line();
            List<Path> frames = new ArrayList<>(), labels = new ArrayList<>();
            Path wav;
            try {
                Path key = s4 ? Metadata.inside(data, csv, line, cat, name) : Metadata.inside(data, csv, line, name);
                if (!rules.once(row, key, name) || (split != null && !sp.equals(split))) {
                    continue;
                }
                for (int i = 1; i <= FRAMES; i++) {
                    frames.add(s4 ? Metadata.inside(data, csv, line, "visual_frames", sp, cat, name, name + "_" + i + ".png")
                            : Metadata.inside(data, csv, line, "visual_frames", name + ".mp4_" + i + ".png"));
                    boolean labelled = !(s4 && sp.equals("train")) || i == 1;
                    labels.add(!labelled ? null : s4
                            ? Metadata.inside(data, csv, line, "gt_masks", sp, cat, name, name + "_" + i + ".png")
                            : Metadata.inside(data, csv, line, "gt_masks", sp, name, name + "_" + i + ".png"));
                }
                wav = s4 ? Metadata.inside(data, csv, line, "audio_wav", sp, cat, name + ".wav")
                        : Metadata.inside(data, csv, line, "audio_wav", sp, name + ".wav");
            } catch (DataException e) {
                problems.report(e);
                continue;
            }
            boolean ok = true;
            for (int i = 0; i < FRAMES; i++) {
                ok &= problems.requireFile(frames.get(i), "frame " + (i + 1) + " of clip " + name);
                if (labels.get(i) != null) {
                    ok &= problems.requireFile(labels.get(i), "the mask of frame " + (i + 1) + " of clip " + name);
                }
            }
            ok &= problems.requireFile(wav, "the audio of clip " + name);
            problems.keep(clips, new Clip(name, sp, frames, labels, wav), ok);
        }
        if (readable) {
            ClipRows.requireItems(csv, split, clips, problems);
        }
        return clips;
    }
}
