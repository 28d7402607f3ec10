package cpm.dsl;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PresetsTest {

    @Test
    void presetNames() {
        List<String> expected = new java.util.ArrayList<>(List.of("tiny", "tiny-baseline", "avsegformer-star",
                "paper-s4", "paper-ms3", "paper-avss", "paper-avss-original", "paper-vpo-ss", "paper-vpo-ms",
                "paper-vpo-msmi"));
        for (Ablations.Row r : Ablations.table4(Presets.get("tiny"))) {
            expected.add("table4-" + r.name());
        }
        for (Ablations.Row r : Ablations.table5(Presets.get("tiny"))) {
            expected.add("table5-" + r.name());
        }
        assertEquals(expected, List.copyOf(Presets.names()));
    }

    @Test
    void everyPresetBuildsValidatesAndKeepsItsName() {
        for (String name : Presets.names()) {
            Recipe r = Presets.get(name);
            assertEquals(name, r.name());
            assertEquals(r, r.toBuilder().build(), name + " passes validation again");
            assertEquals(List.of(), RecipeRules.check(r), name);
        }
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        RecipeException e = assertThrows(RecipeException.class, () -> Presets.get("tinny"));
        assertTrue(e.getMessage().startsWith("recipe: preset: found \"tinny\", expected one of tiny, tiny-baseline, "),
                e.getMessage());
        assertFalse(Presets.exists("tinny"));
    }

    @Test
    void paperPresetsUseThePapersSizes() {
        for (String name : Presets.names()) {
            if (name.startsWith("tiny")) {
                continue;
            }
            Recipe r = Presets.get(name);
            assertEquals("resnet50", r.image().backbone(), name);
            assertEquals(224, r.image().size(), name);
            assertEquals(256, r.queries().dim(), name);
            assertEquals(1.0, r.cpm().lambda(), name);
            if (!name.startsWith("table5-m")) {
                assertEquals(3, r.classifier().components(), name);
            }
        }
    }

    @Test
    void paperPresetsDifferOnlyWhereThePaperSays() {
        Recipe avss = Presets.get("paper-avss");
        assertEquals("avss", avss.data().kind());
        assertEquals("per-dataset", avss.eval().protocol());
        assertTrue(avss.classifier().gmm() && avss.cpm().vcp() && avss.cpm().acp() && avss.cpm().pcl());
        assertEquals(List.of("name: paper-avss -> avsegformer-star", "classifier.kind: gmm -> softmax",
                "cpm.vcp: true -> false", "cpm.acp: true -> false", "cpm.pcl: true -> false"),
                avss.diff(Presets.get("avsegformer-star")));
        assertEquals(List.of("name: paper-avss -> paper-avss-original", "image.originalResolution: false -> true"),
                avss.diff(Presets.get("paper-avss-original")));
        assertEquals(List.of("name: paper-avss -> paper-s4", "data.kind: avss -> s4",
                "data.path: data/avsbench-semantics -> data/avsbench-objects",
                "eval.protocol: per-dataset -> per-image"), avss.diff(Presets.get("paper-s4")));
        for (String b : List.of("paper-s4", "paper-ms3")) {
            Recipe r = Presets.get(b);
            assertTrue(r.binaryLabels(), b);
            assertEquals(SyntheticCatalog.BINARY, r.classNames(), b);
            assertTrue(r.eval().perImage(), b);
        }
        for (String subset : List.of("ss", "ms", "msmi")) {
            Recipe r = Presets.get("paper-vpo-" + subset);
            assertEquals("vpo-" + subset, r.data().kind());
            assertEquals(2, r.audio().channels(), "VPO is stereo (Sec. 4.4)");
            assertTrue(r.image().originalResolution(), "Table 3 is at the original resolution");
        }
    }

    @Test
    void tinyBaselineIsTinyWithoutCpm() {
        Recipe b = Presets.get("tiny-baseline");
        assertEquals("softmax", b.classifier().kind());
        assertFalse(b.cpmOn());
        assertEquals(Presets.get("tiny").values(), b.with(java.util.Map.of("classifier.kind", "gmm", "cpm.vcp", true,
                "cpm.acp", true, "cpm.pcl", true)).values());
    }
}
