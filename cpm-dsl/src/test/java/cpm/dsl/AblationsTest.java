package cpm.dsl;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AblationsTest {

    /** kind, components, vcp, acp, pcl of a recipe, as one string. */
    private static String key(Recipe r) {
        return r.classifier().kind() + (r.classifier().gmm() ? r.classifier().components() : "")
                + (r.cpm().vcp() ? " vcp" : "") + (r.cpm().acp() ? " acp" : "") + (r.cpm().pcl() ? " pcl" : "");
    }

    @Test
    void table4RowsAddOneComponentAtATime() {
        Recipe base = Presets.get("tiny");
        List<Ablations.Row> rows = Ablations.table4(base);
        assertEquals(List.of("baseline", "ccdm", "vcp", "acp", "vcp-acp", "cpm"),
                rows.stream().map(Ablations.Row::name).toList());
        assertEquals(List.of("softmax", "gmm3", "gmm3 vcp", "gmm3 acp", "gmm3 vcp acp", "gmm3 vcp acp pcl"),
                rows.stream().map(r -> key(r.recipe())).toList());
        assertEquals("tiny-table4-vcp-acp", rows.get(4).recipe().name());
        // the full row is the base itself; the baseline is tiny-baseline
        assertEquals(base.values(), rows.get(5).recipe().values());
        assertEquals(Presets.get("tiny-baseline").values(), rows.get(0).recipe().values());
    }

    @Test
    void table5RowsVaryTheRepresentation() {
        Recipe base = Presets.get("tiny").with("classifier.components", 2);
        List<Ablations.Row> rows = Ablations.table5(base);
        assertEquals(List.of("point", "dist", "m1", "m3", "m5", "m7"), rows.stream().map(Ablations.Row::name).toList());
        assertEquals(List.of("softmax vcp acp pcl", "gmm2 vcp acp pcl", "gmm1 vcp acp pcl", "gmm3 vcp acp pcl",
                "gmm5 vcp acp pcl", "gmm7 vcp acp pcl"), rows.stream().map(r -> key(r.recipe())).toList());
    }

    @Test
    void rowsDifferFromTheBaseOnlyInWhatTheTableVaries() {
        Recipe base = Presets.get("paper-avss").with("optim.steps", 77);
        for (Ablations.Row row : concat(Ablations.table4(base), Ablations.table5(base))) {
            for (String d : base.diff(row.recipe())) {
                String path = d.substring(0, d.indexOf(':'));
                assertEquals(true, List.of("name", "classifier.kind", "classifier.components", "cpm.vcp", "cpm.acp",
                        "cpm.pcl").contains(path), row.name() + ": " + d);
            }
            assertEquals(77, row.recipe().optim().steps());
        }
    }

    @Test
    void registeredTableRowsDeriveFromPaperAvss() {
        for (int t : List.of(4, 5)) {
            for (Ablations.Row row : Ablations.table(t, Presets.get("paper-avss"))) {
                assertEquals(row.recipe().named("table" + t + "-" + row.name()), Presets.get("table" + t + "-"
                        + row.name()));
            }
        }
        assertEquals("recipe: table: found 3, expected 4 (key components) or 5 (distribution representation)",
                assertThrows(RecipeException.class, () -> Ablations.table(3, Presets.get("tiny"))).getMessage());
    }

    private static List<Ablations.Row> concat(List<Ablations.Row> a, List<Ablations.Row> b) {
        List<Ablations.Row> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
