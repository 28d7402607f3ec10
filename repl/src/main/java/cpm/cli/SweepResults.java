package cpm.cli;

import cpm.io.AtomicFiles;
import cpm.train.TrainingSession;
import cpm.viz.Pictures;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a sweep writes once its runs are done, wherever they ran: {@code sweep.csv} (one line per run),
 * {@code sweep-summary.csv} (one line per grid point: mean and sample sd over seeds, a table Tablesaw reads),
 * {@code sweep.png} (mIoU and F-beta by grid point with sd bars) and the same table printed.
 */
final class SweepResults {

    /** The scores kept per run, in the CSVs' order. */
    private static final String[] METRICS = {"miou", "fbeta", "sts", "miou_silenced"};

    private final List<SweepGrid.Axis> axes;
    private final List<SweepGrid.Point> points;
    private final int seeds;
    /** [point][metric][seed]. */
    private final double[][][] scores;
    private final StringBuilder runsCsv = new StringBuilder();

    /**
     * {@code jobs} point by point, {@code seeds} per point, in the grid's order, and {@code done} their results in
     * the same order.
     */
    SweepResults(List<SweepGrid.Axis> axes, List<SweepGrid.Point> points, int seeds, List<ParallelRuns.Job> jobs,
                 AblateCommand.RowRun[] done) {
        this.axes = axes;
        this.points = points;
        this.seeds = seeds;
        this.scores = new double[points.size()][METRICS.length][seeds];
        runsCsv.append(header()).append("seed,").append(String.join(",", METRICS)).append(",protocol,run\n");
        for (int i = 0; i < jobs.size(); i++) {
            int p = i / seeds;
            int s = i % seeds;
            AblateCommand.RowRun run = done[i];
            TrainingSession.EvalResult e = run.test();
            double[] v = {e.miou(), e.fbeta(), AblateCommand.lastSts(run.history()), run.silenced().miou()};
            for (int m = 0; m < v.length; m++) {
                scores[p][m][s] = v[m];
            }
            runsCsv.append(values(points.get(p))).append(jobs.get(i).seed());
            for (double x : v) {
                runsCsv.append(',').append(number(x));
            }
            runsCsv.append(',').append(e.protocol()).append(',').append(jobs.get(i).dir().getFileName()).append('\n');
        }
    }

    /** Writes the files into {@code dir} and prints the table; {@code heading} opens it. */
    void write(Path dir, String heading, String title, PrintStream out) {
        AtomicFiles.writeString(dir.resolve("sweep.csv"), runsCsv.toString());
        AtomicFiles.writeString(dir.resolve("sweep-summary.csv"), summaryCsv());
        picture(title, dir.resolve("sweep.png"));
        print(heading, out);
        out.println("wrote " + dir.resolve("sweep.csv") + ", sweep-summary.csv and sweep.png beside it");
    }

    private String summaryCsv() {
        StringBuilder csv = new StringBuilder(header()).append("seeds");
        for (String m : METRICS) {
            csv.append(',').append(m).append("_mean,").append(m).append("_sd");
        }
        csv.append(",point\n");
        for (int p = 0; p < points.size(); p++) {
            csv.append(values(points.get(p))).append(seeds);
            for (double[] v : scores[p]) {
                csv.append(',').append(number(AblateCommand.mean(v))).append(',').append(number(AblateCommand.sd(v)));
            }
            csv.append(',').append(points.get(p).name()).append('\n');
        }
        return csv.toString();
    }

    private void picture(String title, Path file) {
        List<String> names = new ArrayList<>();
        Map<String, double[]> means = new LinkedHashMap<>();
        Map<String, double[]> sds = new LinkedHashMap<>();
        String[] shown = {"mIoU", "F-beta"};
        for (int m = 0; m < shown.length; m++) {
            double[] mu = new double[points.size()];
            double[] sd = new double[points.size()];
            for (int p = 0; p < points.size(); p++) {
                mu[p] = AblateCommand.mean(scores[p][m]);
                sd[p] = AblateCommand.sd(scores[p][m]);
            }
            means.put(shown[m], mu);
            sds.put(shown[m], sd);
        }
        for (SweepGrid.Point p : points) {
            names.add(p.describe(axes));
        }
        Pictures.bars(title, names, means, sds, file);
    }

    /** The table: a column per axis with several values (the others are in the heading), the scores. */
    private void print(String heading, PrintStream out) {
        List<String> fixed = new ArrayList<>();
        List<Integer> shown = new ArrayList<>();
        for (int a = 0; a < axes.size(); a++) {
            if (axes.get(a).varies()) {
                shown.add(a);
            } else {
                fixed.add(axes.get(a).field() + "=" + axes.get(a).values().get(0));
            }
        }
        out.println(heading + (fixed.isEmpty() ? "" : "; every run: " + String.join(" ", fixed)));
        List<String> head = new ArrayList<>();
        List<List<String>> cells = new ArrayList<>();
        for (SweepGrid.Point p : points) {
            List<String> row = new ArrayList<>();
            shown.forEach(a -> row.add(p.values().get(a)));
            cells.add(row);
        }
        shown.forEach(a -> head.add(axes.get(a).field()));
        if (shown.isEmpty()) {  // a grid of one point: its folder name
            head.add("point");
            for (int p = 0; p < points.size(); p++) {
                cells.get(p).add(points.get(p).name());
            }
        }
        int[] widths = new int[head.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = head.get(c).length();
            for (List<String> row : cells) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < widths.length; c++) {
            line.append(pad(head.get(c), widths[c])).append("  ");
        }
        out.println(line + String.format(Locale.ROOT, "%-19s%-19s%-19s%s", "mIoU", "F-beta", "STS",
                "mIoU, silenced"));
        for (int p = 0; p < points.size(); p++) {
            line.setLength(0);
            for (int c = 0; c < widths.length; c++) {
                line.append(pad(cells.get(p).get(c), widths[c])).append("  ");
            }
            for (double[] v : scores[p]) {
                line.append(String.format(Locale.ROOT, "%.4f +- %.4f   ", AblateCommand.mean(v), AblateCommand.sd(v)));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }

    private String header() {
        StringBuilder h = new StringBuilder();
        for (SweepGrid.Axis a : axes) {
            h.append(cell(a.field())).append(',');
        }
        return h.toString();
    }

    private static String values(SweepGrid.Point p) {
        StringBuilder v = new StringBuilder();
        for (String x : p.values()) {
            v.append(cell(x)).append(',');
        }
        return v.toString();
    }

    /** A CSV cell: quoted when it holds a comma or a quote (a list field's value, a path). */
    private static String cell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static String number(double x) {
        return String.format(Locale.ROOT, "%.6f", x);
    }
}
