package cpm.dsl;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeTest {

    /** The tiny preset exactly as it was written by path before the fluent builder existed. */
    static Recipe tinyByPath() {
        return Recipe.builder("tiny")
                .set("image.backbone", "resnet18").set("image.width", 0.25).set("image.frozenStages", 0)
                .set("image.norm", "group").set("image.size", 96)
                .set("audio.backbone", "cnn").set("audio.width", 16).set("audio.bins", 64).set("audio.frames", 64)
                .set("pixelDecoder.hiddenDim", 64).set("pixelDecoder.scales", 3)
                .set("decoder.audioLayers", 1).set("decoder.visualLayers", 3).set("decoder.heads", 4)
                .set("decoder.hiddenDim", 64).set("decoder.ffnDim", 128)
                .set("queries.count", 12).set("queries.dim", 64)
                .set("classifier.bankSize", 512).set("classifier.updateInterval", 10)
                .set("classifier.momentum", 0.97)
                .set("cpm.acpWeight", 30.0).set("cpm.acpLoss", "mse").set("cpm.pclPixels", 64)
                .set("matcher.points", 0)
                .set("data.kind", "synthetic").set("data.preset", "semantic").set("data.trainItems", 400)
                .set("data.testItems", 40)
                .set("optim.lr", 1e-3).set("optim.weightDecay", 1e-4).set("optim.backboneLrMultiplier", 1.0)
                .set("optim.steps", 1200).set("optim.batchSize", 8).set("optim.gradClip", 1.0)
                .set("optim.warmupSteps", 50)
                .set("run.checkpointInterval", 400).set("run.logInterval", 10)
                .build();
    }

    @Test
    void fluentBuilderEqualsSetByPath() {
        assertEquals(tinyByPath(), Presets.get("tiny"));
        Recipe fluent = Recipe.builder("x")
                .image(i -> i.backbone("resnet34").width(0.5).size(128).originalResolution(true))
                .audio(a -> a.stereo().hop(256).window("hamming").scale("magnitude"))
                .decoder(d -> d.audioLayers(2).visualLayers(6).heads(2).hiddenDim(32).dropout(0.1).norm("pre"))
                .queries(q -> q.count(20).dim(48))
                .classifier(c -> c.gmm(5).covariance("full").bankSize(100).temperature(0.5))
                .cpm(c -> c.vcp(2.0).acp(0.5).pcl(false).lambda(0.3).tau(0.2).noise("/tmp/noise"))
                .loss(l -> l.ceWeight(1.0).deepSupervision(false))
                .matcher(m -> m.classCost(1.0).points(100))
                .data(d -> d.synthetic("stereo").framesPerClip(3).augment(false))
                .optim(o -> o.adamw(3e-4).cosine().steps(500).batchSize(4).warmupSteps(10))
                .eval(e -> e.perDataset().interval(100).maxItems(20))
                .run(r -> r.seed(7).cpu().threads(2))
                .build();
        Recipe byPath = Recipe.builder("x")
                .set("image.backbone", "resnet34").set("image.width", 0.5).set("image.size", 128)
                .set("image.originalResolution", true)
                .set("audio.channels", 2).set("audio.hop", 256).set("audio.window", "hamming")
                .set("audio.scale", "magnitude")
                .set("decoder.audioLayers", 2).set("decoder.visualLayers", 6).set("decoder.heads", 2)
                .set("decoder.hiddenDim", 32).set("decoder.dropout", 0.1).set("decoder.norm", "pre")
                .set("queries.count", 20).set("queries.dim", 48)
                .set("classifier.kind", "gmm").set("classifier.components", 5).set("classifier.covariance", "full")
                .set("classifier.bankSize", 100).set("classifier.temperature", 0.5)
                .set("cpm.vcp", true).set("cpm.vcpWeight", 2.0).set("cpm.acp", true).set("cpm.acpWeight", 0.5)
                .set("cpm.pcl", false).set("cpm.lambda", 0.3).set("cpm.tau", 0.2).set("cpm.noise", "/tmp/noise")
                .set("loss.ceWeight", 1.0).set("loss.deepSupervision", false)
                .set("matcher.classCost", 1.0).set("matcher.points", 100)
                .set("data.kind", "synthetic").set("data.preset", "stereo").set("data.framesPerClip", 3)
                .set("data.augment", false)
                .set("optim.lr", 3e-4).set("optim.schedule", "cosine").set("optim.steps", 500)
                .set("optim.batchSize", 4).set("optim.warmupSteps", 10)
                .set("eval.protocol", "per-dataset").set("eval.interval", 100).set("eval.maxItems", 20)
                .set("run.seed", 7).set("run.device", "cpu").set("run.threads", 2)
                .build();
        assertEquals(byPath, fluent);
        assertEquals(List.of(), fluent.diff(byPath));
    }

    @Test
    void defineAndDeriveAreBuilderShortcuts() {
        assertEquals(Recipe.builder("q").queries(q -> q.count(20)).build(),
                Recipe.define("q", b -> b.queries(q -> q.count(20))));
        assertEquals(Presets.get("tiny-baseline"),
                Presets.get("tiny").derive("tiny-baseline", b -> b.classifier(c -> c.softmax()).cpm(c -> c.off())));
        assertEquals("recipe: decoder.heads: found 6, expected a divisor of decoder.hiddenDim (64)",
                assertThrows(RecipeException.class, () -> Presets.get("tiny").derive("t", b -> b.decoder(d -> d.heads(6))))
                        .getMessage());
    }

    /** Every schema field has a section-builder method of its name and type that records exactly that path. */
    @Test
    void everyFieldHasAFluentSetter() throws Exception {
        for (Field f : RecipeSchema.fields().values()) {
            String cls = Character.toUpperCase(f.section().charAt(0)) + f.section().substring(1);
            Class<?> section = Class.forName("cpm.dsl.SectionBuilders$" + cls);
            Class<?> type = switch (f.kind()) {
                case INT -> int.class;
                case DOUBLE -> double.class;
                case BOOL -> boolean.class;
                case STRING, CHOICE -> String.class;
                case LIST -> List.class;
            };
            Method m = section.getMethod(f.key(), type);
            RecipeBuilder b = Recipe.builder("x");
            Object part = section.getDeclaredConstructor(RecipeBuilder.class).newInstance(b);
            Object value = f.defaultValue();
            assertEquals(part, m.invoke(part, value), f.path() + " returns its builder");
            assertEquals(Map.of(f.path(), value), b.pending(), f.path());
        }
    }

    /** Every schema field has a record component in its typed view, holding the same value. */
    @Test
    void typedViewsCoverEveryField() throws Exception {
        Recipe r = Presets.get("tiny").with(Map.of("data.classes", SyntheticCatalog.SEMANTIC, "run.seed", 5));
        Set<String> seen = new TreeSet<>();
        for (String section : RecipeSchema.sections()) {
            Object view = Recipe.class.getMethod(section).invoke(r);
            for (RecordComponent c : view.getClass().getRecordComponents()) {
                String path = section + "." + c.getName();
                assertEquals(r.get(path), c.getAccessor().invoke(view), path);
                seen.add(path);
            }
        }
        assertEquals(new TreeSet<>(RecipeSchema.fields().keySet()), seen);
        assertEquals(4, r.decoder().heads());
        assertEquals(0.25, r.image().width());
        assertTrue(r.classifier().gmm());
        assertTrue(r.cpm().on());
        assertEquals(5, r.run().seed());
    }

    @Test
    void rangeErrorsNameFieldValueAndRange() {
        Recipe tiny = Presets.get("tiny");
        assertEquals("recipe: decoder.heads: found 0, expected an integer in [1, 64]",
                assertThrows(RecipeException.class, () -> tiny.with("decoder.heads", 0)).getMessage());
        assertEquals("recipe: image.width: found 5.0, expected a number in [0.03125, 4]",
                assertThrows(RecipeException.class, () -> tiny.with("image.width", 5.0)).getMessage());
        assertEquals("recipe: classifier.kind: found \"knn\", expected one of softmax, gmm",
                assertThrows(RecipeException.class, () -> tiny.with("classifier.kind", "knn")).getMessage());
        assertEquals("recipe: decoder.heads: found \"four\", expected an integer in [1, 64]",
                assertThrows(RecipeException.class, () -> tiny.with("decoder.heads", "four")).getMessage());
        assertEquals("recipe: decoder.headz: found an unknown field, expected a known field (did you mean "
                + "decoder.heads?)", assertThrows(RecipeException.class, () -> tiny.with("decoder.headz", 4))
                .getMessage());
        // text as typed at :set is converted
        assertEquals(8, tiny.with("decoder.heads", "8").decoder().heads());
        assertEquals(false, tiny.with("cpm.pcl", "off").cpm().pcl());
    }

    @Test
    void diffListsChangedFields() {
        assertEquals(List.of("name: tiny -> tiny-baseline", "classifier.kind: gmm -> softmax",
                        "cpm.vcp: true -> false", "cpm.acp: true -> false", "cpm.pcl: true -> false"),
                Presets.get("tiny").diff(Presets.get("tiny-baseline")));
        assertEquals(List.of(), Presets.get("tiny").diff(Presets.get("tiny")));
        assertEquals(List.of("data.path: data/avsbench-semantics -> \"\"", "data.kind: avss -> synthetic"),
                sorted(Presets.get("paper-avss").diff(Recipe.builder("paper-avss").build())));
    }

    private static List<String> sorted(List<String> l) {
        List<String> s = new ArrayList<>(l);
        s.sort((a, b) -> b.compareTo(a));
        return s;
    }

    @Test
    void describeShowsEveryFieldGroupedBySection() {
        Recipe tiny = Presets.get("tiny");
        String d = tiny.describe();
        assertTrue(d.startsWith("recipe tiny\nimage\n"), d);
        for (Field f : RecipeSchema.fields().values()) {
            String line = d.lines().filter(l -> l.startsWith("  " + f.key() + " ") && l.contains(f.doc()))
                    .findFirst().orElseThrow(() -> new AssertionError("no line for " + f.path()));
            assertTrue(line.contains("= " + Recipe.show(tiny.get(f.path()))), line);
        }
        for (String s : RecipeSchema.sections()) {
            assertTrue(d.contains("\n" + s + "\n"), s);
        }
        assertTrue(d.contains("[default resnet50]"), "non-defaults are marked");
    }

    @Test
    void withCopiesAndLeavesTheOriginal() {
        Recipe tiny = Presets.get("tiny");
        Recipe longer = tiny.with("optim.steps", 5000);
        assertEquals(1200, tiny.optim().steps());
        assertEquals(5000, longer.optim().steps());
        assertEquals(List.of("optim.steps: 1200 -> 5000"), tiny.diff(longer));
        Recipe two = tiny.with(Map.of("optim.steps", 5000, "run.seed", 3));
        assertEquals(List.of("optim.steps: 1200 -> 5000", "run.seed: 42 -> 3"), tiny.diff(two));
        assertNotEquals(tiny, two);
        assertEquals(tiny, tiny.toBuilder().build());
        assertEquals("other", tiny.named("other").name());
        assertEquals(tiny.values(), tiny.named("other").values());
    }
}
