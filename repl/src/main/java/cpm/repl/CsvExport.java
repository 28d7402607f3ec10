package cpm.repl;

import cpm.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Writes a Tablesaw table as CSV (header line, unformatted values, empty for missing) atomically. */
public final class CsvExport {

    private CsvExport() {
    }

    /** Writes {@code table} to {@code file} through {@link AtomicFiles} (links, special files and umask kept). */
    public static void write(Table table, Path file) throws IOException {
        List<Column<?>> cols = table.columns();
        CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n')
                .setHeader(table.columnNames().toArray(new String[0])).get();
        try {
            AtomicFiles.write(file.toAbsolutePath(), out -> {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                CSVPrinter p = new CSVPrinter(w, format);
                for (int r = 0; r < table.rowCount(); r++) {
                    for (Column<?> c : cols) {
                        p.print(c.isMissing(r) ? "" : c.getUnformattedString(r));
                    }
                    p.println();
                }
                p.flush();
            });
        } catch (UncheckedIOException e) {
            throw new IOException(e.getMessage(), e.getCause());
        }
    }
}
