package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.Weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies pretrained arrays (an .npz of named arrays, torchvision key names) into the parameters and buffers
 * under one prefix of {@link Weights}. Names translate {@code gamma -> weight}, {@code beta -> bias},
 * {@code runningMean -> running_mean}, {@code runningVar -> running_var}; keys of the file that the model
 * does not use (fc.*, num_batches_tracked) are ignored. Everything is checked before anything is copied.
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

    /** @return how many arrays were copied */
    static int load(Weights weights, String prefix, Path file) {
        Map<String, Weights.Entry> targets = new LinkedHashMap<>();
        weights.entries().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                targets.put(k, v);
            }
        });
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("pretrained weights " + file + ": no such file");
        }
        try (NDManager m = weights.manager().newSubManager(); InputStream in = Files.newInputStream(file)) {
            NDList list;
            try {
                list = NDList.decode(m, in);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("pretrained weights " + file
                        + ": not a readable .npz / NDList file (" + e.getMessage() + ")", e);
            }
            Map<String, NDArray> byName = new HashMap<>();
            for (NDArray a : list) {
                byName.put(a.getName(), a);
            }
            List<NDArray[]> copies = new ArrayList<>();  // NDArray.equals compares contents: no map
            for (Map.Entry<String, Weights.Entry> e : targets.entrySet()) {
                String key = torchName(e.getKey().substring(prefix.length()));
                NDArray src = byName.get(key);
                NDArray dst = e.getValue().array();
                if (src == null) {
                    throw new IllegalArgumentException("pretrained weights " + file + ": missing key \"" + key
                            + "\" (for parameter " + e.getKey() + ", shape " + dst.getShape() + ")");
                }
                if (!src.getShape().equals(dst.getShape())) {
                    throw new IllegalArgumentException("pretrained weights " + file + ": key \"" + key + "\" has shape "
                            + src.getShape() + ", expected " + dst.getShape() + " (parameter " + e.getKey() + ")");
                }
                copies.add(new NDArray[] {dst, src});
            }
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                // in place: parameters are views into the optimiser's chunks (set(Buffer) would give new storage)
                copies.forEach(c -> c[0].set(new NDIndex("..."), c[1].toType(DataType.FLOAT32, false)));
            } finally {
                JniUtils.setGradMode(grad);
            }
            return copies.size();
        } catch (IOException e) {
            throw new UncheckedIOException("pretrained weights " + file + ": " + e.getMessage(), e);
        }
    }
}
