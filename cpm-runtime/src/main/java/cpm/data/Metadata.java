package cpm.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import cpm.data.DataProblem.Kind;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rules for a data set's text files, shared by the readers and data check: encoding (UTF-8, a byte-order
 * mark is skipped, UTF-16 needs one), the metadata CSV (header, one row per line, CRLF and blank lines
 * accepted, fields trimmed), label2idx.json (whole, distinct indices 0..K-1, distinct names, background at 0),
 * and metadata naming only files inside the data root.
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
     * The text of a UTF-8 file (a UTF-8 byte-order mark is dropped; UTF-16 is read when it starts with its
     * byte-order mark). Other bytes are an error naming the line and column of the first one.
     */
    static String readText(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(Kind.MISSING, file, "no such file", what);
        }
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException(Kind.MISSING, file, "an unreadable file (" + e.getMessage() + ")", what, e);
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            return decode(b, 3, StandardCharsets.UTF_8, file);
        }
        if (b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
            return decode(b, 2, StandardCharsets.UTF_16LE, file);
        }
        if (b.length >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
            return decode(b, 2, StandardCharsets.UTF_16BE, file);
        }
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                throw new DataException(Kind.TEXT, file, "a NUL byte at " + where(b, i)
                        + " (UTF-16 without a byte-order mark, or not a text file)",
                        "UTF-8 text (or UTF-16 starting with its byte-order mark)");
            }
        }
        return decode(b, 0, StandardCharsets.UTF_8, file);
    }

    private static String decode(byte[] b, int from, Charset cs, Path file) {
        CharsetDecoder d = cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, from, b.length - from);
        CharBuffer out = CharBuffer.allocate(b.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new DataException(Kind.TEXT, file, String.format(Locale.ROOT,
                    "byte 0x%02X at %s, which is not %s%s", b[Math.min(at, b.length - 1)] & 0xFF, where(b, at),
                    cs.name(), cs == StandardCharsets.UTF_8 ? " (Latin-1 or Windows-1252 text?)" : ""),
                    "UTF-8 text (save the file as UTF-8)");
        }
        out.flip();
        return out.toString();
    }

    /** "line L, column C" (1-based, columns in bytes) of byte offset {@code at}. */
    private static String where(byte[] b, int at) {
        int line = 1, start = 0;
        for (int i = 0; i < Math.min(at, b.length); i++) {
            if (b[i] == '\n') {
                line++;
                start = i + 1;
            }
        }
        return "line " + line + ", column " + (at - start + 1);
    }

    /**
     * The rows of a metadata CSV with a header row. The file's problems (missing, encoding, header, a missing
     * required column) end the reading with no rows; a row with more or fewer fields than the header is reported
     * and left out. Blank lines (also lines of spaces) are skipped, CRLF line ends accepted, fields trimmed.
     */
    static List<Row> readCsv(Path csv, List<String> required, Problems problems) {
        String text;
        try {
            text = readText(csv, "the metadata CSV of the data set");
        } catch (DataException e) {
            problems.report(e);
            return List.of();
        }
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true)
                .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW).setAllowMissingColumnNames(false).get();
        List<Row> rows = new ArrayList<>();
        try (CSVParser p = format.parse(new java.io.StringReader(text))) {
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /**
     * Class names ordered by index from label2idx.json: a JSON object of distinct names to distinct whole
     * indices 0..K-1, "background" at 0. Every problem goes to {@code problems}; null when there was any.
     */
    static List<String> readLabel2Idx(Path json, Problems problems) {
        String text;
        try {
            text = readText(json, "label2idx.json mapping class names to indices");
        } catch (DataException e) {
            problems.report(e);
            return null;
        }
        String expect = "{\"background\": 0, \"<class>\": 1, ...}";
        Map<String, Integer> byName = new LinkedHashMap<>();
        Map<String, String> lineOf = new HashMap<>();
        boolean ok = true;
        try (JsonParser p = new JsonFactory().createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                problems.report(new DataException(Kind.CLASS_MAP, json, t == null ? "an empty file"
                        : "a JSON " + describe(t) + " at " + at(p.currentTokenLocation()), "a JSON object " + expect));
                return null;
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String where = at(p.currentTokenLocation());
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
                String value = v == JsonToken.VALUE_STRING ? "\"" + p.getText() + "\"" : p.getText();
                if (lineOf.containsKey(name)) {
                    ok = problem(problems, json, "\"" + name + "\" again at " + where + " (first at "
                            + lineOf.get(name) + ")", "each class name once");
                    continue;
                }
                lineOf.put(name, where);
                if (name.isBlank()) {
                    ok = problem(problems, json, "an empty class name at " + where, "a class name");
                } else if (v != JsonToken.VALUE_NUMBER_INT) {
                    ok = problem(problems, json, "\"" + name + "\": " + value + " at " + where + " (" + describe(v)
                            + ")", "a whole-number class index >= 0");
                } else if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                    ok = problem(problems, json, "\"" + name + "\": " + value + " at " + where + " ("
                            + (value.startsWith("-") ? "negative" : "too large") + ")", "a whole-number class index >= 0");
                } else {
                    byName.put(name, p.getIntValue());
                }
            }
            if (t != JsonToken.END_OBJECT) {
                ok = problem(problems, json, "unexpected " + t + " at " + at(p.currentTokenLocation()), expect);
            } else if ((t = p.nextToken()) != null) {
                ok = problem(problems, json, "more text after the object at " + at(p.currentTokenLocation()),
                        "one JSON object " + expect);
            }
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            problems.report(new DataException(Kind.CLASS_MAP, json, "malformed JSON at "
                    + (l == null ? "?" : at(l)) + " (" + e.getOriginalMessage() + ")", expect, e));
            return null;
        } catch (IOException e) {
            problems.report(new DataException(Kind.CLASS_MAP, json, "unreadable JSON (" + e.getMessage() + ")", expect, e));
            return null;
        }
        TreeMap<Integer, String> byIdx = new TreeMap<>();
        for (Map.Entry<String, Integer> e : byName.entrySet()) {
            String other = byIdx.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                ok = problem(problems, json, "index " + e.getValue() + " for both \"" + other + "\" and \""
                        + e.getKey() + "\"", "one class per index");
            }
        }
        if (!ok) {
            return null;
        }
        if (byIdx.isEmpty()) {
            problem(problems, json, "no classes", expect);
            return null;
        }
        for (int i = 0; i < byIdx.size(); i++) {
            if (!byIdx.containsKey(i)) {
                problem(problems, json, "no class at index " + i + " (" + byIdx.size() + " classes, indices "
                        + byIdx.keySet() + ")", "indices 0.." + (byIdx.size() - 1) + " without gaps");
                return null;
            }
        }
        String first = byIdx.get(0);
        if (!first.equalsIgnoreCase("background")) {
            String bg = byName.keySet().stream().filter(n -> n.equalsIgnoreCase("background")).findFirst()
                    .map(n -> ", \"" + n + "\" at index " + byName.get(n)).orElse(", no \"background\" class");
            problem(problems, json, "\"" + first + "\" at index 0" + bg,
                    "\"background\" at index 0 (class 0 is black in the label maps and never a sounding class)");
            return null;
        }
        return List.copyOf(byIdx.values());
    }

    /** Reports a class-map problem; false, so that {@code ok = problem(...)} marks the map bad. */
    private static boolean problem(Problems problems, Path json, String found, String expected) {
        problems.report(new DataException(Kind.CLASS_MAP, json, found, expected));
        return false;
    }

    private static String at(JsonLocation l) {
        return "line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_FLOAT -> "a fractional number";
            case VALUE_NUMBER_INT -> "a whole number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_ARRAY -> "array";
            case START_OBJECT -> "object";
            default -> t.toString();
        };
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
