package cpm.data;

import cpm.dsl.Recipe;
import cpm.dsl.SyntheticCatalog;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    static List<Clip> scan(Path root, String kind, String split, Problems problems) {
        if (!kind.equals("s4") && !kind.equals("ms3")) {
            throw new DataException("data.kind", "\"" + kind + "\"", "s4 or ms3");
        }
        boolean s4 = kind.equals("s4");
        Path base = base(root, kind);
        Path csv = base.resolve(s4 ? "s4_meta_data.csv" : "ms3_meta_data.csv");
        List<Map<String, String>> rows = problems.readCsv(csv,
                s4 ? List.of("name", "category", "split") : List.of("video_id", "split"));
        Path data = base.resolve(s4 ? "s4_data" : "ms3_data");
        List<Clip> clips = new ArrayList<>();
        int rowNo = 1;
        for (Map<String, String> row : rows) {
            rowNo++;
            String sp = row.get("split");
            if (split != null && !sp.equals(split)) {
                continue;
            }
            String name = s4 ? row.get("name") : row.get("video_id");
            List<Path> frames = new ArrayList<>(), labels = new ArrayList<>();
            Path wav;
            boolean ok = true;
            try {
                for (int i = 1; i <= FRAMES; i++) {
                    Path fr, gt;
                    if (s4) {
                        String cat = row.get("category");
                        fr = Metadata.inside(data, csv, rowNo, "visual_frames", sp, cat, name, name + "_" + i + ".png");
                        gt = Metadata.inside(data, csv, rowNo, "gt_masks", sp, cat, name, name + "_" + i + ".png");
                    } else {
                        fr = Metadata.inside(data, csv, rowNo, "visual_frames", name + ".mp4_" + i + ".png");
                        gt = Metadata.inside(data, csv, rowNo, "gt_masks", sp, name, name + "_" + i + ".png");
                    }
                    boolean labelled = !(s4 && sp.equals("train")) || i == 1;
                    ok &= problems.requireFile(fr, "frame " + i + " of clip " + name);
                    if (labelled) {
                        ok &= problems.requireFile(gt, "the mask of frame " + i + " of clip " + name);
                    }
                    frames.add(fr);
                    labels.add(labelled ? gt : null);
                }
                wav = s4 ? Metadata.inside(data, csv, rowNo, "audio_wav", sp, row.get("category"), name + ".wav")
                        : Metadata.inside(data, csv, rowNo, "audio_wav", sp, name + ".wav");
            } catch (DataException e) {
                problems.report(e);
                continue;
            }
            ok &= problems.requireFile(wav, "the audio of clip " + name);
            problems.keep(clips, new Clip(name, frames, labels, wav), ok);
        }
        return clips;
    }
}
