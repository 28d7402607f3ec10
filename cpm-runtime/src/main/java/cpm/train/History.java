package cpm.train;

import cpm.prompting.GmmDiagnostics;

import cpm.io.AtomicFiles;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The training log: one row per logged step with every loss term (history.csv of README.md; a term that is
 * off is empty, not zero), plus the matching stability score when it was measured. The columns are listed once,
 * in {@link #COLUMN_SOURCES}, each with where its value comes from; a new column of
 * {@link TrainingSession.StepResult} is one line there.
 */
public final class History {

    /** A logged step: the session's result, the step count after it, seconds since the run began, the STS. */
    public record Logged(TrainingSession.StepResult result, long step, double seconds, double sts) {
    }

    /** One column of history.csv and how a logged step gives its value. */
    public record Column(String name, ToDoubleFunction<Logged> source) {
    }

    /** The columns of history.csv, in order. */
    public static final List<Column> COLUMN_SOURCES = List.of(
            new Column("step", l -> l.step()),
            new Column("loss", l -> l.result().loss()),
            new Column("loss_agn", l -> l.result().agn()),
            new Column("loss_vcp", l -> l.result().vcp()),
            new Column("loss_acp", l -> l.result().acp()),
            new Column("loss_pcl", l -> l.result().pcl()),
            new Column("lr", l -> l.result().lr()),
            new Column("seconds", Logged::seconds),
            new Column("sts", Logged::sts),
            // each CPM task's share of the weighted objective lambda * w * l / l (Sec. 3.2; CpmObjective)
            new Column("share_vcp", l -> l.result().shareVcp()),
            new Column("share_acp", l -> l.result().shareAcp()),
            new Column("share_pcl", l -> l.result().sharePcl()),
            // CCDM diagnostics (GmmDiagnostics): is the GMM a distribution model or has it degenerated?
            new Column("gmm_floor_share", l -> gmm(l, GmmDiagnostics::floorShare)),
            new Column("gmm_component_cos", l -> gmm(l, GmmDiagnostics::maxComponentCos)),
            new Column("gmm_bank_accuracy", l -> gmm(l, GmmDiagnostics::bankAccuracy)),
            new Column("gmm_no_object_accuracy", l -> gmm(l, GmmDiagnostics::noObjectAccuracy)),
            new Column("prompt_norm", l -> gmm(l, GmmDiagnostics::promptNorm)),
            new Column("prompt_posterior", l -> gmm(l, GmmDiagnostics::promptPosterior)));

    private static double gmm(Logged l, java.util.function.ToDoubleFunction<GmmDiagnostics> f) {
        GmmDiagnostics d = l.result().gmm();
        return d == null ? Double.NaN : f.applyAsDouble(d);
    }

    /** The column names of {@link #COLUMN_SOURCES}. */
    public static final String[] COLUMNS = COLUMN_SOURCES.stream().map(Column::name).toArray(String[]::new);

    /** The timing column: the one column that differs between two runs of the same recipe. */
    public static final String SECONDS = "seconds";

    /** One logged step: a value per column of {@link #COLUMNS} (NaN: empty). */
    public record Row(double[] values) {
        public Row {
            if (values.length != COLUMNS.length) {
                throw new IllegalArgumentException("history row: found " + values.length + " values, expected "
                        + COLUMNS.length + " (" + String.join(", ", COLUMNS) + ")");
            }
            values = values.clone();
        }

        /** The row of a logged step. */
        public static Row of(Logged l) {
            double[] v = new double[COLUMN_SOURCES.size()];
            for (int c = 0; c < v.length; c++) {
                v[c] = COLUMN_SOURCES.get(c).source().applyAsDouble(l);
            }
            return new Row(v);
        }

        /** The value of a column by name; NaN when it is empty. */
        public double get(String column) {
            for (int c = 0; c < COLUMNS.length; c++) {
                if (COLUMNS[c].equals(column)) {
                    return values[c];
                }
            }
            throw new IllegalArgumentException("history column \"" + column + "\": expected one of "
                    + String.join(", ", COLUMNS));
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        public long step() {
            return (long) get("step");
        }

        public double loss() {
            return get("loss");
        }

        public double agn() {
            return get("loss_agn");
        }

        public double vcp() {
            return get("loss_vcp");
        }

        public double acp() {
            return get("loss_acp");
        }

        public double pcl() {
            return get("loss_pcl");
        }

        public double lr() {
            return get("lr");
        }

        public double seconds() {
            return get(SECONDS);
        }

        public double sts() {
            return get("sts");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && java.util.Arrays.equals(values, r.values);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Row" + java.util.Arrays.toString(values);
        }
    }

    private final List<Row> rows = new ArrayList<>();

    public synchronized void add(Row row) {
        rows.add(row);
    }

    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    public synchronized int size() {
        return rows.size();
    }

    /** The seconds of the last row (0 when empty): where the clock of a continued run starts. */
    public synchronized double lastSeconds() {
        return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).seconds();
    }

    /** The steps and values of one column where it is not empty, as {x, y}. */
    public synchronized double[][] series(String column) {
        List<double[]> xy = new ArrayList<>();
        for (Row r : rows) {
            double v = r.get(column);
            if (Double.isFinite(v)) {
                xy.add(new double[] {r.step(), v});
            }
        }
        double[][] out = new double[2][xy.size()];
        for (int i = 0; i < xy.size(); i++) {
            out[0][i] = xy.get(i)[0];
            out[1][i] = xy.get(i)[1];
        }
        return out;
    }

    /** The rows as a Tablesaw table (columns of {@link #COLUMNS}; missing values for terms that are off). */
    public synchronized Table toTable() {
        Table t = Table.create("history");
        t.addColumns(IntColumn.create("step"));
        for (int c = 1; c < COLUMNS.length; c++) {
            t.addColumns(DoubleColumn.create(COLUMNS[c]));
        }
        for (Row r : rows) {
            double[] v = r.values;
            t.intColumn("step").append((int) r.step());
            for (int c = 1; c < COLUMNS.length; c++) {
                if (Double.isNaN(v[c])) {
                    t.doubleColumn(COLUMNS[c]).appendMissing();
                } else {
                    t.doubleColumn(COLUMNS[c]).append(v[c]);
                }
            }
        }
        return t;
    }

    public synchronized String toCsv() {
        StringWriter w = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(COLUMNS).get())) {
            for (Row r : rows) {
                double[] v = r.values;
                List<String> cells = new ArrayList<>();
                cells.add(Long.toString(r.step()));
                for (int c = 1; c < COLUMNS.length; c++) {
                    cells.add(Double.isNaN(v[c]) ? "" : Double.toString(v[c]));
                }
                p.printRecord(cells);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    public void write(Path file) {
        String csv = toCsv();
        AtomicFiles.write(file, out -> {
            OutputStreamWriter w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write(csv);
            w.flush();
        });
    }

    public static History parse(String csv) {
        History h = new History();
        try (CSVParser p = CSVParser.parse(new StringReader(csv),
                CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            for (CSVRecord rec : p) {
                double[] v = new double[COLUMNS.length];
                for (int c = 0; c < COLUMNS.length; c++) {
                    String s = rec.isMapped(COLUMNS[c]) ? rec.get(COLUMNS[c]) : "";
                    v[c] = s.isEmpty() ? Double.NaN : Double.parseDouble(s);
                }
                h.add(new Row(v));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return h;
    }
}
