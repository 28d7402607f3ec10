package cpm.dsl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The built-in recipes, by name. */
public final class Presets {

    private static final Map<String, Supplier<Recipe>> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("tiny", Presets::tiny);
        PRESETS.put("tiny-baseline", () -> tiny().toBuilder().name("tiny-baseline")
                .set("classifier.kind", "softmax").set("cpm.vcp", false).set("cpm.acp", false).set("cpm.pcl", false)
                .build());
    }

    private Presets() {
    }

    public static Set<String> names() {
        return PRESETS.keySet();
    }

    public static boolean exists(String name) {
        return PRESETS.containsKey(name);
    }

    public static Recipe get(String name) {
        Supplier<Recipe> s = PRESETS.get(name);
        if (s == null) {
            throw new RecipeException(java.util.List.of(new RecipeException.Problem("preset", "\"" + name + "\"",
                    "one of " + String.join(", ", PRESETS.keySet()))));
        }
        return s.get();
    }

    /** Full CPM at CPU scale on the synthetic semantic preset: trains to a useful model in minutes. */
    static Recipe tiny() {
        return Recipe.builder("tiny")
                .set("image.backbone", "resnet18").set("image.width", 0.25).set("image.frozenStages", 0)
                .set("image.norm", "group").set("image.size", 96)
                .set("audio.backbone", "cnn").set("audio.width", 16).set("audio.bins", 64).set("audio.frames", 64)
                .set("pixelDecoder.hiddenDim", 64).set("pixelDecoder.scales", 3)
                .set("decoder.audioLayers", 1).set("decoder.visualLayers", 3).set("decoder.heads", 4)
                .set("decoder.hiddenDim", 64).set("decoder.ffnDim", 128)
                .set("queries.count", 12).set("queries.dim", 64)
                .set("classifier.bankSize", 512).set("classifier.updateInterval", 10)
                .set("cpm.pclPixels", 64)
                .set("matcher.points", 0)
                .set("data.kind", "synthetic").set("data.preset", "semantic").set("data.trainItems", 400)
                .set("data.testItems", 40)
                .set("optim.lr", 1e-3).set("optim.weightDecay", 1e-4).set("optim.backboneLrMultiplier", 1.0)
                .set("optim.steps", 1200).set("optim.batchSize", 8).set("optim.gradClip", 1.0)
                .set("optim.warmupSteps", 50)
                .set("run.checkpointInterval", 400).set("run.logInterval", 10)
                .build();
    }
}
