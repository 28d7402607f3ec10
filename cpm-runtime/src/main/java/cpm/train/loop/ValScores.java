package cpm.train.loop;

import cpm.train.Checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The val scores of a run (eval.valInterval): one row per validated step, in step order. The best row (highest
 * mIoU, the earliest on ties) is the step whose state checkpoints/best.ckpt holds. The rows travel in every
 * checkpoint's metadata (key {@link #META}), so a resumed run knows the best so far and logs the same val.csv as
 * an uninterrupted one. Scores are written with every digit ({@link Double#toString}) so that the comparison after a
 * resume is the one an uninterrupted run made.
 */
public final class ValScores {

    /** The checkpoint metadata key of the rows. */
    public static final String META = "val";
    static final String HEADER = "step,miou,fbeta,images,best_miou";

    /** One validation: the step count after it, the val scores and the number of images scored. */
    public record Row(long step, double miou, double fbeta, int images) {
    }

    private final List<Row> rows = new ArrayList<>();

    /** Adds a row; returns true when it is the new best (strictly higher mIoU than every earlier row). */
    public synchronized boolean add(Row row) {
        Row best = best();
        rows.add(row);
        return !Double.isNaN(row.miou()) && (best == null || row.miou() > best.miou());
    }

    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The step of the last row, or -1. */
    public synchronized long lastStep() {
        return rows.isEmpty() ? -1 : rows.get(rows.size() - 1).step();
    }

    /** The row with the highest mIoU, the earliest on ties (NaN never wins); null when there is none. */
    public synchronized Row best() {
        Row best = null;
        for (Row r : rows) {
            if (!Double.isNaN(r.miou()) && (best == null || r.miou() > best.miou())) {
                best = r;
            }
        }
        return best;
    }

    /** val.csv: the rows and, per row, the best mIoU up to it. */
    public synchronized String toCsv() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        double best = Double.NaN;
        for (Row r : rows) {
            if (!Double.isNaN(r.miou()) && (Double.isNaN(best) || r.miou() > best)) {
                best = r.miou();
            }
            sb.append(String.format(Locale.ROOT, "%d,%s,%s,%d,%s%n", r.step(), r.miou(), r.fbeta(), r.images(), best));
        }
        return sb.toString();
    }

    /** The rows of a checkpoint's metadata ({@link #toCsv()}; empty or absent: none). */
    public static ValScores parse(String csv, Path file) {
        ValScores v = new ValScores();
        if (csv == null || csv.isBlank()) {
            return v;
        }
        String[] lines = csv.split("\n");
        if (!lines[0].equals(HEADER)) {
            throw bad(file, "a header " + lines[0]);
        }
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            try {
                if (f.length != 5) {
                    throw new NumberFormatException();
                }
                v.rows.add(new Row(Long.parseLong(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Integer.parseInt(f[3])));
            } catch (NumberFormatException e) {
                throw bad(file, "line " + (i + 1) + " \"" + lines[i] + "\"");
            }
        }
        return v;
    }

    private static Checkpoint.CheckpointException bad(Path file, String found) {
        return new Checkpoint.CheckpointException(file, "metadata " + META + ": found " + found + ", expected the "
                + "rows " + HEADER + " that train wrote");
    }
}
