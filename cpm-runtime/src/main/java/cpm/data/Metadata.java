package cpm.data;

import cpm.data.DataProblem.Kind;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules for a data set's metadata CSV, shared by the readers and data check: text as {@link TextFiles}
 * reads it, a header row of distinct names with the required columns, one row per record with as many fields
 * as the header (CRLF and blank lines accepted, fields trimmed); and metadata naming only files inside the
 * data root. The class map is {@link ClassMap}'s, a row's fields {@link ClipRows}'.
 */
final class Metadata {

    private Metadata() {
    }

    /** One metadata row: its line in the file and its fields by column ("" for a column it lacks). */
    record Row(int line, Map<String, String> fields) {
        String get(String column) {
            return fields.getOrDefault(column, "");
        }

        boolean has(String column) {
            return fields.containsKey(column);
        }
    }

    /**
     * The rows of a metadata CSV with a header row. The file's problems (missing, encoding, header, a missing
     * required column) end the reading with no rows; a row with more or fewer fields than the header is reported
     * and left out. Blank lines (also lines of spaces) are skipped, CRLF line ends accepted, fields trimmed.
     */
    static List<Row> readCsv(Path csv, List<String> required, Problems problems) {
        String text;
        try {
            text = TextFiles.read(csv, "the metadata CSV of the data set");
        } catch (DataException e) {
            problems.report(e);
            return List.of();
        }
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true)
                .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW).setAllowMissingColumnNames(false).get();
        List<Row> rows = new ArrayList<>();
        try (CSVParser p = format.parse(new StringReader(text))) {
            List<String> header = p.getHeaderNames();
            for (String col : required) {
                if (!header.contains(col)) {
                    problems.report(new DataException(Kind.METADATA, csv, "line 1: columns " + header,
                            "a column \"" + col + "\" (required: " + String.join(", ", required) + ")"));
                    return List.of();
                }
            }
            var it = p.iterator();
            while (true) {
                CSVRecord rec;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    rec = it.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    problems.report(new DataException(Kind.METADATA, csv, "a malformed CSV record after line "
                            + p.getCurrentLineNumber() + " (" + rootMessage(e) + ")",
                            "comma-separated fields, quotes closed on the same record"));
                    break;
                }
                int line = (int) p.getCurrentLineNumber();
                List<String> values = rec.toList();
                if (values.stream().allMatch(String::isEmpty) && values.size() <= 1) {
                    continue; // a line of spaces
                }
                if (values.size() != header.size()) {
                    problems.report(new DataException(Kind.METADATA, csv, "line " + line + ": " + values.size()
                            + (values.size() == 1 ? " field" : " fields") + " " + values, header.size()
                            + " fields like the header (" + String.join(", ", header) + ")"));
                    continue;
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), values.get(i));
                }
                rows.add(new Row(line, row));
            }
            return rows;
        } catch (IllegalArgumentException e) {
            problems.report(new DataException(Kind.METADATA, csv, "line 1: a header " + rootMessage(e),
                    "a header row of distinct, non-empty column names"));
            return List.of();
        } catch (IOException | UncheckedIOException e) {
            problems.report(new DataException(Kind.METADATA, csv, "a malformed CSV (" + rootMessage(e) + ")",
                    "comma-separated fields with a header row"));
            return List.of();
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** root.resolve(parts) when it stays inside root, else an error naming the metadata line. */
    static Path inside(Path root, Path csv, int line, String... parts) {
        Path base = root.toAbsolutePath().normalize();
        Path p = base;
        for (String s : parts) {
            p = p.resolve(s);
        }
        p = p.normalize();
        if (!p.startsWith(base) || p.equals(base)) {
            throw new DataException(Kind.OUTSIDE_ROOT, csv, "line " + line + " naming "
                    + String.join("/", Arrays.asList(parts)) + " (resolves to " + p + ")",
                    "a file inside the data root " + base);
        }
        return p;
    }
}
