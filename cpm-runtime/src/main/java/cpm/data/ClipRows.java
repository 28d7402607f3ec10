package cpm.data;

import cpm.data.DataProblem.Kind;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules for metadata rows common to every layout: a split the readers know, a non-empty id, each clip on
 * one row only (a clip listed in two splits would put test data into training; listed twice in one split, it
 * would count twice). Rows are checked over the whole file whichever split is read, so a reader and data check
 * refuse the same rows.
 */
final class ClipRows {

    static final List<String> SPLITS = List.of("train", "val", "test");

    private final Path csv;
    private final Problems problems;
    private final Map<Path, Metadata.Row> seen = new HashMap<>();

    ClipRows(Path csv, Problems problems) {
        this.csv = csv;
        this.problems = problems;
    }

    /** The row's split is train, val or test. */
    boolean split(Metadata.Row row) {
        String s = row.get("split");
        if (SPLITS.contains(s)) {
            return true;
        }
        return problems.fail(new DataException(Kind.METADATA, csv, "line " + row.line() + ": split \"" + s + "\"",
                "train, val or test"));
    }

    /** The row's {@code column} is not empty. */
    boolean present(Metadata.Row row, String column, String what) {
        if (!row.get(column).isEmpty()) {
            return true;
        }
        return problems.fail(new DataException(Kind.METADATA, csv, "line " + row.line() + ": an empty " + column,
                what));
    }

    /** No earlier row named the clip folder {@code dir}. */
    boolean once(Metadata.Row row, Path dir, String id) {
        Metadata.Row first = seen.putIfAbsent(dir, row);
        if (first == null) {
            return true;
        }
        return problems.fail(new DataException(Kind.DUPLICATE_CLIP, csv, "line " + row.line() + ": clip " + id
                + " (split " + row.get("split") + ") again, first at line " + first.line() + " (split "
                + first.get("split") + ")", "each clip on one row"));
    }

    /**
     * Training reads the train split and evaluates on the test split, so each needs a labelled frame (val is
     * optional): checked for {@code split} (a reader), or for both when it is null (data check).
     */
    static void requireItems(Path csv, String split, List<ClipDataset.Clip> clips, Problems problems) {
        for (String s : split == null ? List.of("train", "test") : List.of(split)) {
            boolean any = clips.stream().anyMatch(c -> c.split().equals(s)
                    && c.labels().stream().anyMatch(java.util.Objects::nonNull));
            if (!s.equals("val") && !any) {
                problems.report(new DataException(Kind.METADATA, csv, "no clip with a labelled frame in split " + s,
                        "clips in the train and test splits (training reads train, evaluation test)"));
            }
        }
    }

    /** A whole number of frames in [1, 100000] from the row's {@code column}, or null (reported) when not one. */
    Integer count(Metadata.Row row, String column) {
        String f = row.get(column);
        try {
            int n = Integer.parseInt(f);
            if (n >= 1 && n <= 100_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.report(new DataException(Kind.METADATA, csv, "line " + row.line() + ": " + column + " \"" + f + "\"",
                "a whole number of frames from 1 to 100000"));
        return null;
    }
}
