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

    private void print(String heading, PrintStream out) {
        out.println(heading);
        List<Integer> widths = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int a = 0; a < axes.size(); a++) {
            int w = axes.get(a).field().length();
            for (SweepGrid.Point p : points) {
                w = Math.max(w, p.values().get(a).length());
            }
            widths.add(w);
            line.append(pad(axes.get(a).field(), w)).append("  ");
        }
        out.println(line + String.format(Locale.ROOT, "%-17s %-17s %-17s %-17s", "mIoU", "F-beta", "STS",
                "mIoU, silenced").stripTrailing());
        for (int p = 0; p < points.size(); p++) {
            line.setLength(0);
            for (int a = 0; a < axes.size(); a++) {
                line.append(pad(points.get(p).values().get(a), widths.get(a))).append("  ");
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
