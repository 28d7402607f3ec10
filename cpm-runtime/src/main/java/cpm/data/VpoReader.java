package cpm.data;

import cpm.data.DataProblem.Kind;
import cpm.dsl.Recipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * VPO (SS, MS, MSMI subsets; mono or stereo), laid out in the AVSBench-Semantics pattern (docs/datasets.md):
 * {@code metadata.csv} (uid, split, and a "subset" or "label" column naming ss/ms/msmi), label2idx.json (or
 * the recipe's data.classes), {@code [<label>/]<uid>/frames/i.jpg|png}, {@code labels_rgb/i.png},
 * {@code audio.wav}. The root may also hold one folder per subset ({@code <root>/msmi/metadata.csv}). The
 * subset comes from data.kind (vpo-ss, vpo-ms, vpo-msmi) and the channel count from audio.channels; a mono
 * WAV with audio.channels = 2 is an error, not a guess.
 */
public final class VpoReader {

    private VpoReader() {
    }

    /** Opens a split of the subset named by the recipe's data.kind. */
    public static AvsDataset open(Path root, String split, Recipe r) {
        String kind = r.data().kind();
        if (!kind.startsWith("vpo-")) {
            throw new DataException("data.kind", "\"" + kind + "\"", "vpo-ss, vpo-ms or vpo-msmi");
        }
        String subset = kind.substring(4);
        Path base = subsetRoot(root, subset);
        // a per-subset folder holds only that subset; a shared root is filtered by the subset column
        return new AvssReader(base, split, r, AvssReader.classesOf(base, r), base.equals(root) ? subset : null, kind);
    }

    /** root/<subset> when that folder has its own metadata.csv, else root. */
    static Path subsetRoot(Path root, String subset) {
        for (String name : List.of(subset, subset.toUpperCase())) {
            Path p = root.resolve(name);
            if (Files.isRegularFile(p.resolve("metadata.csv"))) {
                return p;
            }
        }
        if (!Files.isRegularFile(root.resolve("metadata.csv"))) {
            throw new DataException(Kind.MISSING, root, "neither metadata.csv nor " + subset + "/metadata.csv",
                    "the VPO layout of docs/datasets.md (AVSS pattern)");
        }
        return root;
    }
}
