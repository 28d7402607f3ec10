package cpm.data;

import cpm.dsl.RecipeSchema;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which data.kind a folder on disk is, from its layout (docs/datasets.md), so that {@code ./cpm train --data DIR}
 * records what it really read in the run's recipe.json instead of the recipe's default {@code synthetic}:
 * AVSBench-Objects by its {@code s4_meta_data.csv} / {@code ms3_meta_data.csv}, VPO by its
 * {@code vpo_<subset>_data_stereo.csv} or its {@code VPO-SS|MS|MSMI} folders, a folder written by {@code ./cpm synth} by its {@code preset} column, and any
 * other {@code metadata.csv} as AVSBench-Semantics. Only the metadata is read; the files themselves are the readers'
 * and {@code ./cpm data check}'s business.
 */
public final class DataLayout {

    /** A detected layout: the data.kind, the synthetic preset (only for {@code ./cpm synth} folders), the evidence. */
    public record Detected(String kind, String preset, String evidence) {
    }

    private DataLayout() {
    }

    /** The layout of {@code root}; a folder that fits none, or fits two, is a {@link DataException} naming it. */
    public static Detected detect(Path root) {
        if (!Files.isDirectory(root)) {
            throw new DataException(root, Files.exists(root) ? "a file" : "no such folder",
                    "the data root folder named by --data");
        }
        List<Detected> objects = new ArrayList<>();
        for (String kind : List.of("s4", "ms3")) {
            String csv = kind + "_meta_data.csv";
            String sub = kind.equals("s4") ? "Single-source" : "Multi-sources";
            if (Files.isRegularFile(root.resolve(csv))) {
                objects.add(new Detected(kind, null, csv));
            } else if (Files.isRegularFile(root.resolve(sub).resolve(csv))) {
                objects.add(new Detected(kind, null, sub + "/" + csv));
            }
        }
        if (objects.size() == 1) {
            return objects.get(0);
        }
        if (objects.size() == 2) {
            throw ambiguous(root, "both AVSBench-Objects subsets (" + objects.get(0).evidence() + ", "
                    + objects.get(1).evidence() + ")", "s4 or ms3");
        }
        Detected vpo = vpo(root);
        if (vpo != null) {
            return vpo;
        }
        Path csv = root.resolve("metadata.csv");
        if (!Files.isRegularFile(csv)) {
            throw new DataException(root, "none of metadata.csv, s4_meta_data.csv, ms3_meta_data.csv, "
                    + "Single-source/, Multi-sources/, vpo_ss|ms|msmi_data_stereo.csv or VPO-SS|MS|MSMI/",
                    "a data root in one of the layouts of docs/datasets.md (avss, s4, ms3, vpo-*, or ./cpm synth's)");
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (Metadata.Row row : Metadata.readCsv(csv, List.of(), Problems.throwing())) {
            rows.add(row.fields());
        }
        return fromMetadata(root, rows);
    }

    /** AVSS-pattern roots: ./cpm synth by its preset column, else AVSBench-Semantics. */
    private static Detected fromMetadata(Path root, List<Map<String, String>> rows) {
        Set<String> labels = new TreeSet<>();
        Set<String> presets = new TreeSet<>();
        for (Map<String, String> row : rows) {
            labels.add(row.getOrDefault("label", "").toLowerCase(Locale.ROOT));
            presets.add(row.getOrDefault("preset", ""));
        }
        List<String> synthPresets = RecipeSchema.field("data.preset").choices();
        if (labels.equals(Set.of("synth")) && presets.size() == 1 && synthPresets.containsAll(presets)) {
            String preset = presets.iterator().next();
            return new Detected("synthetic", preset, "metadata.csv written by ./cpm synth (preset " + preset + ")");
        }
        return new Detected("avss", null, "metadata.csv" + (Files.isRegularFile(root.resolve("label2idx.json"))
                ? " and label2idx.json" : ""));
    }

    /**
     * The VPO release ({@link VpoLayout}): a subset folder by its CSV (vpo_ms_data_stereo.csv is vpo-ms), the VPO
     * root by its subset folders holding their CSVs; null when neither. The root of the release holds all three
     * subsets, so it asks which.
     */
    private static Detected vpo(Path root) {
        Set<String> own = new TreeSet<>(), folders = new TreeSet<>();
        for (String s : VpoLayout.SUBSETS) {
            if (Files.isRegularFile(root.resolve(VpoLayout.csvName(s)))) {
                own.add(s);
            } else if (Files.isRegularFile(root.resolve(VpoLayout.folder(s)).resolve(VpoLayout.csvName(s)))) {
                folders.add(s);
            }
        }
        Set<String> found = own.isEmpty() ? folders : own;
        if (found.isEmpty()) {
            return null;
        }
        String evidence = own.isEmpty() ? "VPO subset folders " + found.stream().map(VpoLayout::folder).toList()
                : found.stream().map(VpoLayout::csvName).toList().toString();
        if (found.size() > 1) {
            throw ambiguous(root, evidence, "vpo-" + String.join(", vpo-", found));
        }
        return new Detected("vpo-" + found.iterator().next(), null, evidence);
    }

    private static DataException ambiguous(Path root, String found, String kinds) {
        return new DataException(root, found, "one data set; say which with --set data.kind=KIND (" + kinds + ")");
    }
}
