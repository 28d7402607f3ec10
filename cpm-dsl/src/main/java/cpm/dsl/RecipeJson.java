package cpm.dsl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a recipe: {@code {"name": ..., "image": {...}, "audio": {...}, ...}}, one object per section in
 * schema order, every field written (defaults included) so that a run's {@code recipe.json} rebuilds it exactly.
 * Reading is strict: an unknown or mistyped field is an error naming its path, never silently ignored; missing
 * fields take their defaults, and an optional {@code "base": "<preset>"} starts from a preset instead.
 */
public final class RecipeJson {

    /** Pretty output; a key given twice is an error rather than "the last one wins". */
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private RecipeJson() {
    }

    /** Pretty-printed JSON, sections and fields in schema order; the same recipe always gives the same text. */
    public static String toJson(Recipe recipe) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("name", recipe.name());
        for (Map.Entry<String, Object> e : recipe.values().entrySet()) {
            Field f = RecipeSchema.field(e.getKey());
            ObjectNode section = root.has(f.section()) ? (ObjectNode) root.get(f.section())
                    : root.putObject(f.section());
            Object v = e.getValue();
            switch (f.kind()) {
                case INT -> section.put(f.key(), (Integer) v);
                case DOUBLE -> section.put(f.key(), (Double) v);
                case BOOL -> section.put(f.key(), (Boolean) v);
                case STRING, CHOICE -> section.put(f.key(), (String) v);
                case LIST -> {
                    ArrayNode a = section.putArray(f.key());
                    for (Object s : (List<?>) v) {
                        a.add((String) s);
                    }
                }
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write recipe " + recipe.name() + " as JSON", e);
        }
    }

    /**
     * Reads a recipe. {@code sourceName} (usually the file) prefixes every error message, e.g.
     * {@code recipe runs/x/recipe.json: decoder.headz: found an unknown field, expected a known field (did you mean
     * decoder.heads?)}. All problems are reported at once.
     */
    public static Recipe fromJson(String json, String sourceName) {
        JsonNode root = readOneValue(json, sourceName);
        if (root == null || !root.isObject()) {
            throw new RecipeException(sourceName, List.of(new RecipeException.Problem("json",
                    root == null || root.isMissingNode() ? "no content" : aKindOf(root), "a JSON object")));
        }
        List<RecipeException.Problem> problems = new ArrayList<>();
        RecipeBuilder builder = start(root, sourceName, problems);
        Iterator<Map.Entry<String, JsonNode>> top = root.fields();
        while (top.hasNext()) {
            Map.Entry<String, JsonNode> e = top.next();
            String key = e.getKey();
            JsonNode node = e.getValue();
            if (key.equals("name") || key.equals("base")) {
                continue;
            }
            if (!RecipeSchema.sections().contains(key)) {
                problems.add(new RecipeException.Problem(key, "an unknown section",
                        "name, base or a section (" + String.join(", ", RecipeSchema.sections()) + ")"
                                + RecipeSchema.sectionSuggestion(key)));
                continue;
            }
            if (!node.isObject()) {
                problems.add(new RecipeException.Problem(key, aKindOf(node), "an object of " + key + " fields"));
                continue;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> fe = fields.next();
                String path = key + "." + fe.getKey();
                if (!RecipeSchema.has(path)) {
                    problems.add(unknown(path));
                    continue;
                }
                Field f = RecipeSchema.field(path);
                try {
                    builder.set(path, f.coerce(value(f, fe.getValue())));
                } catch (RecipeException re) {
                    problems.addAll(re.problems());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(sourceName, problems);
        }
        try {
            return builder.build();
        } catch (RecipeException re) {
            throw re.source() == null ? re.from(sourceName) : re;
        }
    }

    /**
     * The file's one JSON value. Anything after it (a second object, stray text) is an error at its line and column
     * rather than silently ignored: a recipe file handed around with a pasted tail would otherwise train something
     * its reader did not see.
     */
    private static JsonNode readOneValue(String json, String sourceName) {
        try (JsonParser p = MAPPER.createParser(json)) {
            JsonNode root = MAPPER.readTree(p);
            String rest = tail(json, p.currentLocation().getCharOffset());
            JsonToken extra;
            try {
                extra = p.nextToken();
            } catch (JsonProcessingException e) {
                throw trailing(sourceName, e.getLocation(), "text that is not JSON (" + rest + ")");
            }
            if (extra != null) {
                throw trailing(sourceName, p.currentTokenLocation(), (extra == JsonToken.START_OBJECT
                        ? "a second JSON object (" : "more JSON (") + rest + ")");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new RecipeException(sourceName, List.of(new RecipeException.Problem("json",
                    "malformed JSON" + where(e.getLocation()) + " (" + e.getOriginalMessage() + ")", "a JSON object")));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("reading JSON from a string", e);
        }
    }

    /** The first few characters after the recipe object, on one line, for the message. */
    private static String tail(String json, long offset) {
        String rest = offset < 0 || offset > json.length() ? "" : json.substring((int) offset).strip();
        int nl = rest.indexOf('\n');
        String line = (nl < 0 ? rest : rest.substring(0, nl)).strip();
        return line.length() > 24 ? line.substring(0, 24) + "..." : line;
    }

    private static RecipeException trailing(String sourceName, JsonLocation at, String what) {
        return new RecipeException(sourceName, List.of(new RecipeException.Problem("json", what + where(at)
                + " after the recipe object", "the end of the file after the recipe's closing } (one object per file)")));
    }

    private static String where(JsonLocation at) {
        return at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** The builder to fill: from the "base" preset if given, else from the defaults. */
    private static RecipeBuilder start(JsonNode root, String sourceName, List<RecipeException.Problem> problems) {
        String name = null;
        JsonNode n = root.get("name");
        if (n != null) {
            if (n.isTextual()) {
                name = n.asText();
            } else {
                problems.add(new RecipeException.Problem("name", shown(n), "a string of " + RecipeNames.EXPECTED));
            }
        }
        RecipeBuilder builder = null;
        JsonNode base = root.get("base");
        if (base != null) {
            if (base.isTextual() && Presets.exists(base.asText())) {
                Recipe preset = Presets.get(base.asText());
                builder = preset.toBuilder();
                if (name == null) {
                    name = preset.name();
                }
            } else {
                problems.add(new RecipeException.Problem("base", shown(base),
                        "the name of a preset: " + String.join(", ", Presets.names())));
            }
        }
        if (name == null) {
            name = stem(sourceName);
            if (!RecipeNames.valid(name)) {
                problems.add(new RecipeException.Problem("name", "none, and the file name gives "
                        + RecipeNames.shown(name), "a \"name\" of " + RecipeNames.EXPECTED));
                name = "recipe";
            }
        } else if (!RecipeNames.valid(name)) {
            problems.add(RecipeNames.problem(name));
        }
        return builder == null ? Recipe.builder(name) : builder.name(name);
    }

    private static String stem(String sourceName) {
        if (sourceName == null || sourceName.isBlank()) {
            return "recipe";
        }
        String file = sourceName.replace('\\', '/');
        file = file.substring(file.lastIndexOf('/') + 1);
        return file.endsWith(".json") && file.length() > 5 ? file.substring(0, file.length() - 5) : file;
    }

    private static RecipeException.Problem unknown(String path) {
        return new RecipeException.Problem(path, "an unknown field", "a known field" + RecipeSchema.suggestion(path));
    }

    /** The JSON value as the Java value the field holds; a JSON type that does not fit is a problem. */
    private static Object value(Field f, JsonNode n) {
        boolean ok = switch (f.kind()) {
            case INT -> n.isIntegralNumber() && n.canConvertToInt();
            case DOUBLE -> n.isNumber();
            case BOOL -> n.isBoolean();
            case STRING, CHOICE -> n.isTextual();
            case LIST -> n.isArray() && allText(n);
        };
        if (!ok) {
            throw new RecipeException(List.of(new RecipeException.Problem(f.path(), shown(n), f.expected())));
        }
        return switch (f.kind()) {
            case INT -> n.intValue();
            case DOUBLE -> n.doubleValue();
            case BOOL -> n.booleanValue();
            case STRING, CHOICE -> n.textValue();
            case LIST -> {
                List<String> l = new ArrayList<>();
                n.forEach(x -> l.add(x.textValue()));
                yield l;
            }
        };
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode x : array) {
            if (!x.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String shown(JsonNode n) {
        return n.isContainerNode() ? aKindOf(n) + " " + n : n.toString();
    }

    /** "a number", "an array", "an object". */
    private static String aKindOf(JsonNode n) {
        String kind = n.getNodeType().name().toLowerCase();
        return ("aeiou".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ") + kind;
    }
}
