package cpm.dsl;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per cross-field rule: the broken recipe fails with exactly the expected problem, the fixed one builds. */
class RecipeRulesTest {

    private static List<String> problems(Recipe base, Map<String, ?> changes) {
        RecipeException e = assertThrows(RecipeException.class, () -> base.with(changes));
        return e.problems().stream().map(RecipeException.Problem::toString).toList();
    }

    private static void assertOnly(String expected, Recipe base, Map<String, ?> changes) {
        assertEquals(List.of(expected), problems(base, changes));
        assertEquals("recipe: " + expected, assertThrows(RecipeException.class, () -> base.with(changes)).getMessage());
    }

    private static Recipe tiny() {
        return Presets.get("tiny");
    }

    private static Recipe avss() {
        return Presets.get("paper-avss");
    }

    @Test
    void headsMustDivideHiddenDim() {
        assertOnly("decoder.heads: found 6, expected a divisor of decoder.hiddenDim (64)", tiny(),
                Map.of("decoder.heads", 6));
        assertDoesNotThrow(() -> tiny().with(Map.of("decoder.heads", 8)));
    }

    @Test
    void aClampAtOrAbove1OverDIsRejectedWithTheReason() {
        // tiny's GMM lives in query space, D = decoder.hiddenDim = 64: 1/D = 0.015625
        assertOnly("classifier.varianceFloor: found 0.05, expected below 1/D = 0.015625 with classifier.variance clamp"
                + " (L2-normalised 64-d embeddings never vary more per dimension, so a clamp there holds every"
                + " variance; use classifier.variance add or a smaller floor)", tiny(),
                Map.of("classifier.variance", "clamp", "classifier.varianceFloor", 0.05));
        assertDoesNotThrow(() -> tiny().with(Map.of("classifier.variance", "clamp", "classifier.varianceFloor", 0.015)));
        assertDoesNotThrow(() -> tiny().with(Map.of("classifier.variance", "add", "classifier.varianceFloor", 0.05)));
        // in mask-embedding space D is queries.dim
        assertDoesNotThrow(() -> tiny().with(Map.of("classifier.variance", "clamp", "classifier.varianceFloor", 0.03,
                "classifier.space", "maskEmbed", "queries.dim", 16)));
    }

    @Test
    void stereoSyntheticPresetNeedsTwoChannels() {
        assertOnly("audio.channels: found 1, expected 2 for the synthetic preset stereo (stereo)", tiny(),
                Map.of("data.preset", "stereo"));
        assertEquals(2, tiny().with(Map.of("data.preset", "stereo", "audio.channels", 2)).audio().channels());
    }

    @Test
    void monoSyntheticPresetNeedsOneChannel() {
        assertOnly("audio.channels: found 2, expected 1 for the synthetic preset semantic (mono)", tiny(),
                Map.of("audio.channels", 2));
    }

    @Test
    void avsbenchIsMonoAndVpoMayBeEither() {
        assertOnly("audio.channels: found 2, expected 1 for data.kind avss (mono audio; only VPO and the synthetic "
                + "stereo preset are stereo)", avss(), Map.of("audio.channels", 2));
        assertDoesNotThrow(() -> Presets.get("paper-vpo-ss").with("audio.channels", 1));
        assertDoesNotThrow(() -> Presets.get("paper-vpo-ss").with("audio.channels", 2));
    }

    @Test
    void pclNeedsAcp() {
        assertOnly("cpm.pcl: found true, expected false when cpm.acp is false (PCL pools the ACP saliency masks, "
                + "Eq. 7)", tiny(), Map.of("cpm.acp", false));
        assertDoesNotThrow(() -> tiny().with(Map.of("cpm.acp", false, "cpm.pcl", false)));
    }

    @Test
    void queriesCoverTheClasses() {
        // tiny: synthetic semantic = background + 8 sounding classes
        assertEquals(9, tiny().classCount());
        assertOnly("queries.count: found 8, expected at least the number of classes (9)", tiny(),
                Map.of("queries.count", 8));
        assertDoesNotThrow(() -> tiny().with("queries.count", 9));
        // unknown class count (AVSS reads it from the data): any count is fine
        assertDoesNotThrow(() -> avss().with("queries.count", 1));
    }

    @Test
    void bankHoldsTwoSamplesPerComponent() {
        assertOnly("classifier.bankSize: found 5, expected at least 2 * classifier.components (6)", tiny(),
                Map.of("classifier.bankSize", 5));
        assertDoesNotThrow(() -> tiny().with("classifier.bankSize", 6));
    }

    @Test
    void warmupShorterThanTraining() {
        assertOnly("optim.warmupSteps: found 1200, expected fewer than optim.steps (1200)", tiny(),
                Map.of("optim.warmupSteps", 1200));
        assertDoesNotThrow(() -> tiny().with("optim.warmupSteps", 1199));
    }

    @Test
    void realDataNeedsAPath() {
        assertOnly("data.path: found \"\", expected the data root of avss on disk (required unless data.kind is "
                + "synthetic)", tiny(), Map.of("data.kind", "avss"));
        assertDoesNotThrow(() -> tiny().with(Map.of("data.kind", "avss", "data.path", "/data/avss")));
    }

    @Test
    void perImageNeedsBinaryLabels() {
        assertOnly("eval.protocol: found \"per-image\", expected per-dataset for multi-class data (synthetic preset "
                + "semantic); per-image needs binary labels (s4, ms3, synthetic ss or ms)", tiny(),
                Map.of("eval.protocol", "per-image"));
        assertDoesNotThrow(() -> tiny().with(Map.of("eval.protocol", "per-image", "data.preset", "ss")));
    }

    @Test
    void hopAtMostWindow() {
        assertOnly("audio.hop: found 600, expected at most audio.nFft (512)", tiny(), Map.of("audio.hop", 600));
        assertDoesNotThrow(() -> tiny().with("audio.hop", 512));
    }

    @Test
    void imageSizeMultipleOfStride() {
        assertOnly("image.size: found 100, expected a multiple of 32 (the image backbone's stride), e.g. 96", tiny(),
                Map.of("image.size", 100));
        assertOnly("image.size: found 16, expected a multiple of 32 (the image backbone's stride), e.g. 32", tiny(),
                Map.of("image.size", 16));
        assertDoesNotThrow(() -> tiny().with("image.size", 128));
    }

    @Test
    void fullCovarianceOnlyForSmallEmbeddings() {
        assertOnly("classifier.covariance: found \"full\", expected diagonal when queries.dim (1024) is above 512",
                avss(), Map.of("classifier.covariance", "full", "queries.dim", 1024));
        assertDoesNotThrow(() -> avss().with(Map.of("classifier.covariance", "full", "queries.dim", 512)));
    }

    @Test
    void classesStartWithBackground() {
        assertOnly("data.classes: found \"dog\", expected \"background\" as the first class", avss(),
                Map.of("data.classes", List.of("dog", "background")));
    }

    @Test
    void classesHaveNoDuplicates() {
        assertOnly("data.classes: found \"dog\" twice, expected each class once", avss(),
                Map.of("data.classes", List.of("background", "dog", "cat", "dog")));
        assertEquals(3, avss().with("data.classes", "background, dog, cat").classCount());
    }

    @Test
    void syntheticClassesAreTheGenerators() {
        assertOnly("data.classes: found [background, bell], expected empty or the synthetic preset's classes "
                + "[background, bell, drum, flute, siren, engine, bird, guitar, voice]", tiny(),
                Map.of("data.classes", List.of("background", "bell")));
        assertDoesNotThrow(() -> tiny().with("data.classes", SyntheticCatalog.SEMANTIC));
    }

    @Test
    void binaryDataHasTwoClasses() {
        assertOnly("data.classes: found [background, dog, cat], expected two classes (background, sounding) for "
                + "binary data s4", Presets.get("paper-s4"), Map.of("data.classes", List.of("background", "dog", "cat")));
    }

    @Test
    void cpmWarmupShorterThanTraining() {
        assertOnly("cpm.warmupSteps: found 1200, expected fewer than optim.steps (1200), or the CPM tasks never "
                + "start", tiny(), Map.of("cpm.warmupSteps", 1200));
        // without a CPM task the delay means nothing
        assertDoesNotThrow(() -> Presets.get("tiny-baseline").with("cpm.warmupSteps", 5000));
    }

    @Test
    void everyBrokenRuleIsReportedAtOnce() {
        RecipeException e = assertThrows(RecipeException.class,
                () -> tiny().with(Map.of("decoder.heads", 6, "audio.hop", 600)));
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().startsWith("recipe: 2 problems\n  "), e.getMessage());
        assertTrue(e.getMessage().contains("\n  audio.hop: found 600"), e.getMessage());
    }
}
