package cpm.repl;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Writes a Tablesaw table as CSV (header line, unformatted values, empty for missing) atomically. */
public final class CsvExport {

    private CsvExport() {
    }

    /** Writes {@code table} to {@code file} through a temporary file in the same folder renamed into place. */
    public static void write(Table table, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            List<Column<?>> cols = table.columns();
            CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n')
                    .setHeader(table.columnNames().toArray(new String[0])).get();
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                 CSVPrinter p = new CSVPrinter(w, format)) {
                for (int r = 0; r < table.rowCount(); r++) {
                    for (Column<?> c : cols) {
                        p.print(c.isMissing(r) ? "" : c.getUnformattedString(r));
                    }
                    p.println();
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
