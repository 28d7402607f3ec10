package cpm.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeJsonTest {

    private static final String SRC = "runs/x/recipe.json";

    private static String error(String json) {
        return assertThrows(RecipeException.class, () -> RecipeJson.fromJson(json, SRC)).getMessage();
    }

    @Test
    void everyPresetSurvivesARoundTrip() {
        for (String name : Presets.names()) {
            Recipe r = Presets.get(name);
            String json = RecipeJson.toJson(r);
            Recipe back = RecipeJson.fromJson(json, name + ".json");
            assertEquals(r, back, name);
            assertEquals(json, RecipeJson.toJson(back), name + ": the text is stable");
        }
    }

    @Test
    void jsonIsNestedBySectionInSchemaOrder() throws Exception {
        Recipe tiny = Presets.get("tiny");
        String json = RecipeJson.toJson(tiny);
        JsonNode root = new ObjectMapper().readTree(json);
        List<String> top = new ArrayList<>();
        root.fieldNames().forEachRemaining(top::add);
        List<String> expectedTop = new ArrayList<>(List.of("name"));
        expectedTop.addAll(RecipeSchema.sections());
        assertEquals(expectedTop, top);
        List<String> paths = new ArrayList<>();
        for (String s : RecipeSchema.sections()) {
            root.get(s).fieldNames().forEachRemaining(k -> paths.add(s + "." + k));
        }
        assertEquals(new ArrayList<>(RecipeSchema.fields().keySet()), paths);
        assertEquals("tiny", root.get("name").asText());
        assertEquals(4, root.get("decoder").get("heads").intValue());
        assertEquals(0.25, root.get("image").get("width").doubleValue());
        assertTrue(root.get("data").get("classes").isArray());
        assertTrue(json.startsWith("{\n  \"name\" : \"tiny\",\n  \"image\" : {\n    \"backbone\" : \"resnet18\""), json);
    }

    @Test
    void missingFieldsTakeDefaults() {
        Recipe r = RecipeJson.fromJson("{\"name\": \"small\", \"decoder\": {\"heads\": 4}}", SRC);
        assertEquals(Recipe.builder("small").set("decoder.heads", 4).build(), r);
        assertEquals("recipe", RecipeJson.fromJson("{}", SRC).name(), "no name: the file's stem");
        assertEquals("mine", RecipeJson.fromJson("{}", "a/mine.json").name());
    }

    @Test
    void baseStartsFromAPreset() {
        Recipe r = RecipeJson.fromJson("{\"base\": \"tiny\", \"optim\": {\"steps\": 300}}", SRC);
        assertEquals(Presets.get("tiny").with("optim.steps", 300), r);
        Recipe named = RecipeJson.fromJson("{\"base\": \"tiny\", \"name\": \"short\"}", SRC);
        assertEquals(Presets.get("tiny").named("short"), named);
        assertTrue(error("{\"base\": \"tinny\"}").startsWith("recipe runs/x/recipe.json: base: found \"tinny\", "
                + "expected the name of a preset: tiny, tiny-baseline,"));
    }

    @Test
    void unknownFieldsAreNamed() {
        assertEquals("recipe runs/x/recipe.json: decoder.headz: found an unknown field, expected a known field "
                + "(did you mean decoder.heads?)", error("{\"decoder\": {\"headz\": 4}}"));
        assertEquals("recipe runs/x/recipe.json: decodr: found an unknown section, expected name, base or a section ("
                + String.join(", ", RecipeSchema.sections()) + ") (did you mean decoder?)",
                error("{\"decodr\": {\"heads\": 4}}"));
    }

    @Test
    void mistypedFieldsAreNamed() {
        assertEquals("recipe runs/x/recipe.json: decoder.heads: found \"8\", expected an integer in [1, 64]",
                error("{\"decoder\": {\"heads\": \"8\"}}"));
        assertEquals("recipe runs/x/recipe.json: decoder.heads: found 2.5, expected an integer in [1, 64]",
                error("{\"decoder\": {\"heads\": 2.5}}"));
        assertEquals("recipe runs/x/recipe.json: cpm.vcp: found 1, expected true or false",
                error("{\"cpm\": {\"vcp\": 1}}"));
        assertEquals("recipe runs/x/recipe.json: data.classes: found \"background\", expected a list of strings",
                error("{\"data\": {\"classes\": \"background\"}}"));
        assertEquals("recipe runs/x/recipe.json: data.classes: found an array [\"background\",3], expected a list of "
                + "strings", error("{\"data\": {\"classes\": [\"background\", 3]}}"));
        assertEquals("recipe runs/x/recipe.json: decoder: found a number, expected an object of decoder fields",
                error("{\"decoder\": 3}"));
        assertEquals("recipe runs/x/recipe.json: image.backbone: found \"vit\", expected one of resnet18, resnet34, "
                + "resnet50", error("{\"image\": {\"backbone\": \"vit\"}}"));
        assertEquals("recipe runs/x/recipe.json: name: found 7, expected a string of " + RecipeNames.EXPECTED,
                error("{\"name\": 7}"));
    }

    @Test
    void rangeAndRuleErrorsNameTheFile() {
        assertEquals("recipe runs/x/recipe.json: decoder.heads: found 0, expected an integer in [1, 64]",
                error("{\"decoder\": {\"heads\": 0}}"));
        assertEquals("recipe runs/x/recipe.json: decoder.heads: found 6, expected a divisor of decoder.hiddenDim (64)",
                error("{\"base\": \"tiny\", \"decoder\": {\"heads\": 6}}"));
        String two = error("{\"decoder\": {\"headz\": 4, \"heads\": 0}}");
        assertTrue(two.startsWith("recipe runs/x/recipe.json: 2 problems\n"), two);
    }

    @Test
    void malformedJsonIsReported() {
        String m = error("{\"decoder\": {\"heads\": 4,}");
        assertTrue(m.startsWith("recipe runs/x/recipe.json: json: found malformed JSON at line 1, column "), m);
        assertEquals("recipe runs/x/recipe.json: json: found an array, expected a JSON object", error("[1, 2]"));
        assertEquals("recipe runs/x/recipe.json: json: found no content, expected a JSON object", error(""));
        String twice = error("{\"decoder\": {\"heads\": 4, \"heads\": 8}}");
        assertTrue(twice.startsWith("recipe runs/x/recipe.json: json: found malformed JSON at line 1, column ")
                && twice.contains("Duplicate field 'heads'"), twice);
    }
}
