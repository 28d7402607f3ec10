package cpm.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import cpm.data.DataProblem.Kind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rules for label2idx.json, shared by the readers and data check: one JSON object (nothing after it) of
 * distinct, non-empty class names to distinct whole indices 0..K-1 without gaps, "background" at index 0 (class
 * 0 is black in the label maps and never a sounding class). Each entry's problem names its line and column.
 */
final class ClassMap {

    private ClassMap() {
    }

    /**
     * Class names ordered by index from label2idx.json: a JSON object of distinct names to distinct whole
     * indices 0..K-1, "background" at 0. Every problem goes to {@code problems}; null when there was any.
     */
    static List<String> read(Path json, Problems problems) {
        String text;
        try {
            text = TextFiles.read(json, "label2idx.json mapping class names to indices");
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
                            + (value.startsWith("-") ? "negative" : "too large") + ")",
                            "a whole-number class index >= 0");
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
            problems.report(new DataException(Kind.CLASS_MAP, json, "unreadable JSON (" + e.getMessage() + ")",
                    expect, e));
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
                problem(problems, json, "no class at index " + i + " (" + byIdx.size() + " classes, the largest index "
                        + byIdx.lastKey() + ")", "indices 0.." + (byIdx.size() - 1) + " without gaps");
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

}
