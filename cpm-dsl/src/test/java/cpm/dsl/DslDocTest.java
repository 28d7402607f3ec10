package cpm.dsl;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/dsl.md holds the field table generated from the schema between two markers; this test fails when the two
 * drift apart. Regenerate with {@code -Ddsl.doc.write=true}.
 */
class DslDocTest {

    static final String BEGIN = "<!-- fields:begin (generated from RecipeSchema by DslDocTest) -->";
    static final String END = "<!-- fields:end -->";

    static String table() {
        StringBuilder sb = new StringBuilder();
        String section = null;
        for (Field f : RecipeSchema.fields().values()) {
            if (!f.section().equals(section)) {
                section = f.section();
                sb.append("\n### ").append(section).append("\n\n");
                sb.append("| field | builder | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n");
            }
            String type = switch (f.kind()) {
                case INT -> "int";
                case DOUBLE -> "double";
                case BOOL -> "boolean";
                case STRING, CHOICE -> "String";
                case LIST -> "String...";
            };
            sb.append("| `").append(f.path()).append("` | `").append(f.key()).append('(').append(type).append(")` | `")
                    .append(Recipe.show(f.defaultValue())).append("` | ").append(f.expected()).append(" | ")
                    .append(f.doc().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    @Test
    void fieldTableMatchesTheSchema() throws Exception {
        Path doc = Path.of("..", "docs", "dsl.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        assertTrue(b >= 0 && e > b, "docs/dsl.md has the field-table markers");
        String current = text.substring(b + BEGIN.length(), e);
        String wanted = table() + "\n";
        if (Boolean.getBoolean("dsl.doc.write") && !current.equals(wanted)) {
            Path tmp = Files.createTempFile(doc.getParent(), "dsl", ".md.tmp");
            Files.writeString(tmp, text.substring(0, b + BEGIN.length()) + wanted + text.substring(e));
            Files.move(tmp, doc, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        assertEquals(wanted, current, "docs/dsl.md field table; regenerate with -Ddsl.doc.write=true");
        for (String preset : Presets.names()) {
            assertTrue(text.contains("`" + preset + "`"), "docs/dsl.md mentions preset " + preset);
        }
    }
}
