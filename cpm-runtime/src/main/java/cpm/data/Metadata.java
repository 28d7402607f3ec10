package cpm.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Metadata CSV and label2idx.json reading, and the check that metadata only names files inside the root. */
final class Metadata {

    private Metadata() {
    }

    /** The rows of a CSV with a header; missing required columns are an error naming them. */
    static List<Map<String, String>> readCsv(Path csv, List<String> required) {
        if (!Files.isRegularFile(csv)) {
            throw new DataException(csv, "no such file", "the metadata CSV of the data set");
        }
        try (Reader rd = Files.newBufferedReader(csv);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                     .setIgnoreEmptyLines(true).get().parse(rd)) {
            List<String> header = p.getHeaderNames();
            for (String col : required) {
                if (!header.contains(col)) {
                    throw new DataException(csv, "columns " + header, "a column \"" + col + "\" (required: "
                            + String.join(", ", required) + ")");
                }
            }
            List<Map<String, String>> rows = new ArrayList<>();
            for (CSVRecord rec : p) {
                Map<String, String> row = new LinkedHashMap<>();
                for (String col : header) {
                    row.put(col, rec.isSet(col) ? rec.get(col) : "");
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataException de) {
                throw de;
            }
            throw new DataException(csv, "an unreadable CSV (" + e.getMessage() + ")", "a CSV file with a header row", e);
        }
    }

    /** Class names ordered by index from label2idx.json; indices must be 0..K-1 with background 0. */
    static List<String> readLabel2Idx(Path json) {
        if (!Files.isRegularFile(json)) {
            throw new DataException(json, "no such file", "label2idx.json mapping class names to indices");
        }
        Map<String, Object> m;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = new ObjectMapper().readValue(json.toFile(), Map.class);
            m = read;
        } catch (IOException e) {
            throw new DataException(json, "invalid JSON (" + e.getMessage() + ")", "{\"background\": 0, ...}", e);
        }
        TreeMap<Integer, String> byIdx = new TreeMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!(e.getValue() instanceof Number n)) {
                throw new DataException(json, "\"" + e.getKey() + "\": " + e.getValue(), "an integer class index");
            }
            if (byIdx.put(n.intValue(), e.getKey()) != null) {
                throw new DataException(json, "index " + n + " used twice", "one class per index");
            }
        }
        List<String> out = new ArrayList<>(byIdx.values());
        if (byIdx.isEmpty() || byIdx.firstKey() != 0 || byIdx.lastKey() != byIdx.size() - 1) {
            throw new DataException(json, "indices " + byIdx.keySet(), "indices 0..K-1 without gaps");
        }
        return out;
    }

    /** root.resolve(rel) when it stays inside root, else an error naming the metadata row. */
    static Path inside(Path root, Path csv, int row, String... parts) {
        Path base = root.toAbsolutePath().normalize();
        Path p = base;
        for (String s : parts) {
            p = p.resolve(s);
        }
        p = p.normalize();
        if (!p.startsWith(base) || p.equals(base)) {
            throw new DataException(csv, "row " + row + " naming " + String.join("/", Arrays.asList(parts))
                    + " (resolves to " + p + ")", "a file inside the data root " + base);
        }
        return p;
    }
}
