package cpm.data;

import cpm.dsl.Recipe;
import cpm.dsl.SyntheticCatalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks a data set on disk without training ({@code ./cpm data check}): applies the readers' own rules
 * ({@link TextFiles}, {@link Metadata}, {@link ClassMap}, {@link ClipRows}, {@link ClipFiles}, {@link Palette},
 * {@link LabelMaps}, {@link WavIO}) to every split and every item, collecting every problem instead of stopping at the first, and
 * summarises what it read.
 */
public final class DataCheck {

    private DataCheck() {
    }

    /**
     * The recipe fields the rules depend on: frames per clip when neither a label nor the disk tells, the class
     * names (empty: label2idx.json), the audio channels training asks for (0: any), seconds per frame and the
     * VGGSound folder of VPO's sounds (empty: none given).
     */
    public record Settings(int framesPerClip, List<String> classes, int channels, double secondsPerFrame,
                           String audioPath) {
        public static final Settings DEFAULT = new Settings(5, List.of(), 0, 1.0, "");

        public static Settings of(Recipe r) {
            return new Settings(r.data().framesPerClip(), r.data().classes(), r.audio().channels(),
                    r.audio().secondsPerFrame(), r.data().audioPath());
        }

        /** These settings with the VGGSound folder VPO's sounds come from (data.audioPath, --audio). */
        public Settings withAudioPath(String path) {
            return new Settings(framesPerClip, classes, channels, secondsPerFrame, path);
        }
    }

    /** The problems found (in the order found) and the summary of what was read. */
    public record Report(Path root, String kind, List<DataProblem> problems, DataSummary summary) {

        /** Problem lines grouped by kind (kinds in the order first found), at most {@code perKind} of each. */
        public List<String> problemLines(int perKind) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<DataProblem.Kind, List<DataProblem>> e : byKind().entrySet()) {
                List<DataProblem> ps = e.getValue();
                for (int i = 0; i < Math.min(perKind, ps.size()); i++) {
                    out.add(ps.get(i).toString());
                }
                if (ps.size() > perKind) {
                    out.add("  ... and " + (ps.size() - perKind) + " more of this kind (" + e.getKey().label() + ")");
                }
            }
            return out;
        }

        /** The count of problems of each kind: "kind1: n1, kind2: n2". */
        public String countsByKind() {
            return byKind().entrySet().stream().map(e -> e.getKey().label() + ": " + e.getValue().size())
                    .collect(Collectors.joining(", "));
        }

        private Map<DataProblem.Kind, List<DataProblem>> byKind() {
            return problems.stream().collect(Collectors.groupingBy(DataProblem::kind, LinkedHashMap::new,
                    Collectors.toList()));
        }
    }

    /** Every problem found under {@code root} for a data.kind (avss, synthetic, s4, ms3, vpo-ss/ms/msmi). */
    public static List<DataProblem> check(Path root, String kind) {
        return run(root, kind, Settings.DEFAULT).problems();
    }

    /** Checks every split and item of the data set under {@code root}. */
    public static Report run(Path root, String kind, Settings settings) {
        List<DataProblem> out = new ArrayList<>();
        DataSummary summary = new DataSummary();
        Report report = new Report(root, kind, out, summary);
        Problems problems = Problems.collecting(out::add);
        if (!Files.isDirectory(root)) {
            out.add(new DataProblem(String.valueOf(root), "found no such folder, expected the data root",
                    DataProblem.Kind.MISSING));
            return report;
        }
        List<ClipDataset.Clip> clips;
        ClipFiles.LabelDecoder decoder;
        switch (kind) {
            case "avss", "synthetic" -> {
                decoder = classes(root, settings, summary, problems);
                clips = AvssReader.scan(root, null, settings.framesPerClip(), problems);
            }
            case "s4", "ms3" -> {
                summary.classes(SyntheticCatalog.BINARY, true);
                decoder = (img, file) -> Palette.decodeBinary(img);
                clips = AvsObjectsReader.scan(root, kind, null, problems);
            }
            case "vpo-ss", "vpo-ms", "vpo-msmi" -> {
                VpoReader.check(root, VpoLayout.subset(kind), settings, summary, problems);
                return report;
            }
            default -> {
                out.add(new DataProblem("--kind", "found \"" + kind
                        + "\", expected one of avss, synthetic, s4, ms3, vpo-ss, vpo-ms, vpo-msmi"));
                return report;
            }
        }
        for (ClipDataset.Clip c : clips) {
            summary.clip(c);
            checkClip(c, decoder, settings, summary, problems);
        }
        return report;
    }

    /**
     * The label-map decoder (labels_semantic indices or labels_rgb palette colours) for the class map (recipe
     * classes, else label2idx.json); null when it is invalid.
     */
    private static ClipFiles.LabelDecoder classes(Path root, Settings settings, DataSummary summary,
                                                  Problems problems) {
        List<String> names = settings.classes().isEmpty()
                ? ClassMap.read(root.resolve("label2idx.json"), problems) : settings.classes();
        summary.classes(names, false);
        if (names == null) {
            return null;
        }
        int k = names.size();
        return (img, file) -> LabelMaps.decode(img, k, file);
    }

    /** Applies the item rules to each labelled frame (label decoding only with a valid class map) and the WAV. */
    private static void checkClip(ClipDataset.Clip c, ClipFiles.LabelDecoder decoder, Settings settings,
                                  DataSummary summary, Problems problems) {
        // without a valid class map a label map is still checked for palette colours
        ClipFiles.LabelDecoder d = decoder != null ? decoder : (img, file) -> LabelMaps.decode(img, 256, file);
        for (int f = 0; f < c.frames().size(); f++) {
            Path fp = c.frames().get(f), lp = c.labels().get(f);
            if (lp == null || fp == null || !Files.isRegularFile(fp) || !Files.isRegularFile(lp)) {
                continue; // unlabelled (training never reads it) or missing (reported by the scan)
            }
            ClipFiles.Frame frame = ClipFiles.frame(c, f, d, problems,
                    img -> summary.image(img.getWidth(), img.getHeight()));
            if (LabelMaps.semantic(lp)) {
                ClipFiles.sameAsRgb(frame, lp, d, problems);
            }
        }
        if (Files.isRegularFile(c.wav())) {
            WavIO.Wav w = ClipFiles.audio(c, settings.secondsPerFrame(), settings.channels(), problems);
            if (w != null) {
                summary.audio(w);
            }
        }
    }
}
