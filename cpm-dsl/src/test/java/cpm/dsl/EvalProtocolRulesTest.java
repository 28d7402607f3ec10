package cpm.dsl;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The eval.protocol and eval.subset fields: the three protocols, and the MS subset only where frames can have it. */
class EvalProtocolRulesTest {

    @Test
    void cavpAndTheMsSubsetBuildOnMultiClassData() {
        Recipe r = Presets.get("paper-avss").with(Map.of("eval.protocol", "cavp", "eval.subset", "ms"));
        assertEquals("cavp", r.eval().protocol());
        assertTrue(r.eval().msSubset());
        assertEquals("cavp/ms", r.eval().label());
        assertEquals("per-dataset", Presets.get("tiny").eval().label(), "default: all frames, per-dataset");
        Recipe built = Presets.get("tiny").derive("b", b -> b.eval(e -> e.cavp().subset("ms")));
        assertEquals("cavp/ms", built.eval().label());
    }

    @Test
    void theMsSubsetOfBinaryDataIsEmptySoItIsRefused() {
        RecipeException e = assertThrows(RecipeException.class,
                () -> Presets.get("paper-s4").with(Map.of("eval.subset", "ms")));
        assertEquals("recipe: eval.subset: found \"ms\", expected all for binary labels (the MS subset needs more than"
                + " 2 labels in a frame, so multi-class data)", e.getMessage());
    }

    @Test
    void anUnknownProtocolNamesTheThree() {
        RecipeException e = assertThrows(RecipeException.class,
                () -> Presets.get("tiny").with(Map.of("eval.protocol", "voc")));
        assertTrue(e.getMessage().contains("per-dataset, per-image, cavp"), e.getMessage());
    }
}
