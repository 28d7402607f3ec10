package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.TensorFile;
import cpm.nn.Weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies pretrained tensors ({@link TensorFile}: .safetensors or .npz) into the parameters and buffers under one
 * prefix of {@link Weights}. Our names translate to torchvision's ({@code gamma -> weight}, {@code beta -> bias},
 * {@code runningMean -> running_mean}, {@code runningVar -> running_var}), then to the file's scheme
 * ({@link ResNetNames}) behind the file's own prefix. Every parameter must be matched; everything is checked before
 * anything is copied, and the match is described by a {@link WeightsReport}.
 *
 * <p>One adaptation: a stem {@code conv1.weight} of (O, 3, k, k) (ImageNet, RGB) loads into (O, C, k, k) for C = 1
 * or 2 (a mono or stereo spectrogram) as the mean over the three input channels, repeated C times, as CAVP
 * initialises its audio ResNet-18.
 */
final class PretrainedLoader {

    private PretrainedLoader() {
    }

    static String torchName(String local) {
        int dot = local.lastIndexOf('.');
        String head = local.substring(0, dot + 1);
        String leaf = local.substring(dot + 1);
        return head + switch (leaf) {
            case "gamma" -> "weight";
            case "beta" -> "bias";
            case "runningMean" -> "running_mean";
            case "runningVar" -> "running_var";
            default -> leaf;
        };
    }

    /**
     * Loads {@code file} into the tensors under {@code prefix}; fails (nothing copied) unless every one matched.
     *
     * @param part  what the prefix holds, for the report ("image backbone")
     * @param names the naming field: auto, torchvision, timm or transformers
     */
    static WeightsReport load(Weights weights, String prefix, String part, Path file, String names) {
        return run(weights, prefix, part, file, names, true);
    }

    /** The report of loading {@code file}, without copying anything (a failed match is not an error here). */
    static WeightsReport check(Weights weights, String prefix, String part, Path file, String names) {
        return run(weights, prefix, part, file, names, false);
    }

    private static WeightsReport run(Weights weights, String prefix, String part, Path file, String names,
                                     boolean copy) {
        Map<String, NDArray> targets = new LinkedHashMap<>(); // torchvision name -> parameter
        Map<String, String> parameterOf = new LinkedHashMap<>();
        weights.entries().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                String tv = torchName(k.substring(prefix.length()));
                targets.put(tv, v.array());
                parameterOf.put(tv, k);
            }
        });
        try (NDManager m = weights.manager().newSubManager()) {
            TensorFile.Contents contents = TensorFile.read(m, file);
            Map<String, NDArray> arrays = contents.arrays();
            String scheme = ResNetNames.scheme(names);
            boolean detect = scheme.equals("auto");
            ResNetNames.Prefix best = null;
            for (String s : detect ? ResNetNames.SCHEMES : List.of(scheme)) {
                ResNetNames.Prefix p = ResNetNames.prefix(arrays.keySet(), fileNames(s, targets.keySet()));
                if (best == null || p.hits() > best.hits()) {
                    best = p;
                    scheme = s;
                }
            }
            String filePrefix = best.prefix();
            List<WeightsReport.Key> loaded = new ArrayList<>();
            List<WeightsReport.Key> adapted = new ArrayList<>();
            List<WeightsReport.Key> missing = new ArrayList<>();
            List<WeightsReport.Key> mismatched = new ArrayList<>();
            List<NDArray[]> copies = new ArrayList<>(); // NDArray.equals compares contents: no map
            Set<String> used = new HashSet<>();
            for (Map.Entry<String, NDArray> e : targets.entrySet()) {
                String key = filePrefix + ResNetNames.name(scheme, e.getKey());
                NDArray dst = e.getValue();
                NDArray src = arrays.get(key);
                String param = parameterOf.get(e.getKey());
                String expected = dst.getShape().toString();
                if (src == null) {
                    missing.add(new WeightsReport.Key(key, param, null, expected));
                    continue;
                }
                used.add(key);
                WeightsReport.Key k = new WeightsReport.Key(key, param, src.getShape().toString(), expected);
                if (src.getShape().equals(dst.getShape())) {
                    loaded.add(k);
                    copies.add(new NDArray[] {dst, src});
                } else if (e.getKey().equals("conv1.weight") && rgbStem(src.getShape(), dst.getShape())) {
                    adapted.add(k);
                    copies.add(new NDArray[] {dst, adaptStem(src, dst.getShape().get(1))});
                } else {
                    mismatched.add(k);
                }
            }
            List<WeightsReport.Key> unexpected = new ArrayList<>();
            arrays.forEach((k, a) -> {
                if (!used.contains(k)) {
                    unexpected.add(new WeightsReport.Key(k, null, a.getShape().toString(), null));
                }
            });
            WeightsReport report = new WeightsReport(part, prefix, file, contents.format(), contents.dtypeSummary(),
                    names.equals("timm") ? "timm (= torchvision)" : scheme, detect, filePrefix, loaded, adapted,
                    missing, mismatched, unexpected);
            if (copy) {
                if (!report.ok()) {
                    throw new IllegalArgumentException(report.problem() + "; ./cpm weights check " + file
                            + " --recipe RECIPE" + (prefix.startsWith("audio") ? " --part audio" : "")
                            + " lists every key");
                }
                copyInPlace(copies);
            }
            return report;
        }
    }

    private static Set<String> fileNames(String scheme, Set<String> torchvision) {
        Set<String> s = new HashSet<>();
        torchvision.forEach(n -> s.add(ResNetNames.name(scheme, n)));
        return s;
    }

    /** (O, 3, k, k) in the file for (O, 1 or 2, k, k) in the model. */
    static boolean rgbStem(Shape found, Shape expected) {
        return found.dimension() == 4 && expected.dimension() == 4 && found.get(1) == 3
                && (expected.get(1) == 1 || expected.get(1) == 2) && found.get(0) == expected.get(0)
                && found.get(2) == expected.get(2) && found.get(3) == expected.get(3);
    }

    /** The mean over the RGB input channels, repeated {@code channels} times: (O, 3, k, k) to (O, C, k, k). */
    static NDArray adaptStem(NDArray rgb, long channels) {
        NDArray mean = rgb.toType(DataType.FLOAT32, false).mean(new int[] {1}, true);
        return channels == 1 ? mean : mean.repeat(1, channels);
    }

    private static void copyInPlace(List<NDArray[]> copies) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            // in place: parameters are views into the optimiser's chunks (set(Buffer) would give new storage)
            copies.forEach(c -> c[0].set(new NDIndex("..."), c[1].toType(c[0].getDataType(), false)));
        } finally {
            JniUtils.setGradMode(grad);
        }
    }
}
