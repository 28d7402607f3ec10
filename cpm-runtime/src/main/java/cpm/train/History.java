package cpm.train;

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

/**
 * The training log: one row per logged step with every loss term (history.csv of spec/cli.md; a term that is
 * off is empty, not zero), plus the matching stability score when it was measured.
 */
public final class History {

    public static final String[] COLUMNS = {"step", "loss", "loss_agn", "loss_vcp", "loss_acp", "loss_pcl", "lr",
        "seconds", "sts"};

    /** One logged step. */
    public record Row(long step, double loss, double agn, double vcp, double acp, double pcl, double lr,
                      double seconds, double sts) {
        double[] values() {
            return new double[] {step, loss, agn, vcp, acp, pcl, lr, seconds, sts};
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

    /** The rows as a Tablesaw table (columns of {@link #COLUMNS}; missing values for terms that are off). */
    public synchronized Table toTable() {
        Table t = Table.create("history");
        t.addColumns(IntColumn.create("step"));
        for (int c = 1; c < COLUMNS.length; c++) {
            t.addColumns(DoubleColumn.create(COLUMNS[c]));
        }
        for (Row r : rows) {
            double[] v = r.values();
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
                double[] v = r.values();
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
                h.add(new Row((long) v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return h;
    }
}
