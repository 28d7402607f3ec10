package cpm.dsl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The built-in recipes, by name. {@code tiny} trains on a CPU in minutes on the synthetic benchmark; the
 * {@code paper-*} presets are the paper's setups (ResNet-50, D_q 256, M = 3, lambda 1; Sec. 4.1) on the real data
 * sets, whose folder the user gives with {@code --data}; {@code table4-*} and {@code table5-*} are the ablation rows
 * of {@link Ablations} derived from {@code paper-avss}. The scripts in {@code recipes/} build the same recipes with
 * the fluent builder.
 */
public final class Presets {

    /** Where the paper presets look for the data sets unless the user says otherwise. */
    public static final String AVSBENCH_OBJECTS = "data/avsbench-objects";
    public static final String AVSBENCH_SEMANTICS = "data/avsbench-semantics";
    public static final String VPO = "data/vpo";
    /** VGGSound, where VPO's audio comes from (audios/<vgg_file>.wav). */
    public static final String VGGSOUND = "data/vggsound";

    private static final Map<String, Supplier<Recipe>> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("tiny", Presets::tiny);
        PRESETS.put("tiny-baseline", Presets::tinyBaseline);
        PRESETS.put("avsegformer-star", Presets::avsegformerStar);
        PRESETS.put("paper-s4", Presets::paperS4);
        PRESETS.put("paper-ms3", Presets::paperMs3);
        PRESETS.put("paper-avss", Presets::paperAvss);
        PRESETS.put("paper-avss-original", Presets::paperAvssOriginal);
        PRESETS.put("paper-vpo-ss", () -> paperVpo("ss"));
        PRESETS.put("paper-vpo-ms", () -> paperVpo("ms"));
        PRESETS.put("paper-vpo-msmi", () -> paperVpo("msmi"));
        for (String row : List.of("baseline", "ccdm", "vcp", "acp", "vcp-acp", "cpm")) {
            PRESETS.put("table4-" + row, () -> tableRow(4, row));
        }
        for (String row : List.of("point", "dist", "m1", "m3", "m5", "m7")) {
            PRESETS.put("table5-" + row, () -> tableRow(5, row));
        }
    }

    private Presets() {
    }

    public static Set<String> names() {
        return java.util.Collections.unmodifiableSet(PRESETS.keySet());
    }

    public static boolean exists(String name) {
        return PRESETS.containsKey(name);
    }

    public static Recipe get(String name) {
        Supplier<Recipe> s = PRESETS.get(name);
        if (s == null) {
            throw new RecipeException(List.of(new RecipeException.Problem("preset", "\"" + name + "\"",
                    "one of " + String.join(", ", PRESETS.keySet()))));
        }
        return s.get();
    }

    /** Full CPM at CPU scale on the synthetic semantic preset: trains to a useful model in minutes. */
    static Recipe tiny() {
        return Recipe.builder("tiny")
                .image(i -> i.backbone("resnet18").width(0.25).frozenStages(0).norm("group").size(96))
                .audio(a -> a.backbone("cnn").width(16).bins(64).frames(64))
                .pixelDecoder(p -> p.hiddenDim(64).scales(3))
                .decoder(d -> d.audioLayers(1).visualLayers(3).heads(4).hiddenDim(64).ffnDim(128))
                .queries(q -> q.count(12).dim(64))
                .classifier(c -> c.gmm(3).bankSize(512).updateInterval(10).momentum(0.97))
                .cpm(c -> c.vcp(1.0).acp(30.0).acpLoss("mse").pcl(1.0).pclPixels(64))
                .matcher(m -> m.points(0))
                .data(d -> d.synthetic("semantic").trainItems(400).testItems(40))
                .optim(o -> o.adamw(1e-3).weightDecay(1e-4).backboneLrMultiplier(1.0).steps(1200).batchSize(8)
                        .gradClip(1.0).warmupSteps(50))
                .run(r -> r.checkpointInterval(400).logInterval(10))
                .build();
    }

    /** tiny without CPM: the softmax classifier and the class-agnostic workflow only (AVSegFormer* at CPU scale). */
    static Recipe tinyBaseline() {
        return tiny().toBuilder().name("tiny-baseline")
                .classifier(c -> c.softmax())
                .cpm(c -> c.off())
                .build();
    }

    /** AVSBench-Semantics at 224 x 224 with full CPM (Table 1 bottom, Tables 4 and 5); schema defaults elsewhere. */
    static Recipe paperAvss() {
        return Recipe.builder("paper-avss")
                .image(i -> i.backbone("resnet50").size(224))
                .queries(q -> q.dim(256))
                .classifier(c -> c.gmm(3))
                .cpm(c -> c.on().lambda(1.0))
                .data(d -> d.avss(AVSBENCH_SEMANTICS))
                .eval(e -> e.perDataset())
                .build();
    }

    /** The paper's baseline AVSegFormer* (first row of Table 4): softmax classifier, no CPM task. */
    static Recipe avsegformerStar() {
        return paperAvss().toBuilder().name("avsegformer-star")
                .classifier(c -> c.softmax())
                .cpm(c -> c.off())
                .build();
    }

    /** AVSBench-Objects single source, binary labels, 224 x 224, per-image protocol (Table 1 top). */
    static Recipe paperS4() {
        return paperAvss().toBuilder().name("paper-s4")
                .data(d -> d.s4(AVSBENCH_OBJECTS))
                .eval(e -> e.perImage())
                .build();
    }

    /** AVSBench-Objects multi source, binary labels, 224 x 224, per-image protocol (Table 1 top). */
    static Recipe paperMs3() {
        return paperAvss().toBuilder().name("paper-ms3")
                .data(d -> d.ms3(AVSBENCH_OBJECTS))
                .eval(e -> e.perImage())
                .build();
    }

    /** AVSBench-Semantics tested at each frame's own resolution (Table 2, Sec. 4.3). */
    static Recipe paperAvssOriginal() {
        return paperAvss().toBuilder().name("paper-avss-original")
                .image(i -> i.originalResolution(true))
                .build();
    }

    /**
     * VPO (Table 3): stereo audio (two input channels, Sec. 4.4), tested at the original resolution; 3 s of
     * audio per image, the centre crop CAVP's VPO loaders take.
     */
    static Recipe paperVpo(String subset) {
        return paperAvss().toBuilder().name("paper-vpo-" + subset)
                .image(i -> i.originalResolution(true))
                .audio(a -> a.stereo().secondsPerFrame(3.0))
                .data(d -> d.kind("vpo-" + subset).path(VPO).audioPath(VGGSOUND))
                .build();
    }

    private static Recipe tableRow(int table, String row) {
        for (Ablations.Row r : Ablations.table(table, paperAvss())) {
            if (r.name().equals(row)) {
                return r.recipe().named("table" + table + "-" + row);
            }
        }
        throw new IllegalStateException("no row " + row + " in table " + table);
    }
}
