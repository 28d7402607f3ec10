package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.nn.Weights;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and restores everything a training session needs to continue exactly: model parameters and buffers,
 * AdamW moments and step count, the CCDM mixture and memory bank, the data position, the step, the history and
 * the open STS window.
 * Random generators need no state: every one is derived from (run.seed, step).
 */
public final class SessionCheckpoint {

    private SessionCheckpoint() {
    }

    public static void save(TrainingSession s, History history, Path file) {
        save(s, history, Map.of(), file);
    }

    /** Saves with more metadata entries, such as the val scores of the training loop. */
    public static void save(TrainingSession s, History history, Map<String, String> extraMeta, Path file) {
        Map<String, Checkpoint.Tensor> tensors = new LinkedHashMap<>();
        s.weights().entries().forEach((k, e) -> tensors.put("w/" + k, tensor(e.array())));
        s.optimiser().state().forEach((k, a) -> tensors.put("adam/" + k, tensor(a)));
        if (s.ccdm() != null) {
            s.ccdm().state().forEach((k, v) -> tensors.put("ccdm/" + k, new Checkpoint.Tensor(new long[] {v.length}, v)));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(s.stepsDone()));
        meta.put("adamSteps", Long.toString(s.optimiser().steps()));
        meta.put("dataPosition", Long.toString(s.loader().position()));
        meta.put("recipe", RecipeJson.toJson(s.recipe()));
        meta.put("history", history.toCsv());
        meta.put("stsWindow", s.stability().toText());
        meta.put("classes", String.join("\n", s.classes()));
        meta.putAll(extraMeta);
        new Checkpoint(meta, tensors).write(file);
    }

    /** The recipe a checkpoint was written with. */
    public static Recipe recipeOf(Checkpoint c, Path file) {
        String json = c.meta().get("recipe");
        if (json == null) {
            throw new Checkpoint.CheckpointException(file, "has no recipe in its metadata, expected the recipe train wrote there");
        }
        return RecipeJson.fromJson(json, file.toString());
    }

    /** Restores a session built from the same recipe; returns the saved history. */
    public static History restore(TrainingSession s, Checkpoint c, Path file) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            Weights w = s.weights();
            for (Map.Entry<String, Weights.Entry> e : w.entries().entrySet()) {
                copyInto(e.getValue().array(), c.tensor(file, "w/" + e.getKey()), file, e.getKey());
            }
            for (Map.Entry<String, NDArray> e : s.optimiser().state().entrySet()) {
                copyInto(e.getValue(), c.tensor(file, "adam/" + e.getKey()), file, e.getKey());
            }
            if (s.ccdm() != null) {
                Map<String, float[]> state = new LinkedHashMap<>();
                c.tensors().forEach((k, t) -> {
                    if (k.startsWith("ccdm/")) {
                        state.put(k.substring(5), t.data());
                    }
                });
                s.ccdm().load(state);
            }
            s.optimiser().setSteps(metaLong(c, file, "adamSteps"));
            s.setStepsDone(metaLong(c, file, "step"));
            s.loader().seek(metaLong(c, file, "dataPosition"));
            s.stability().loadText(c.meta().getOrDefault("stsWindow", ""));
            return History.parse(c.meta().getOrDefault("history", ""));
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** The steps trained when the checkpoint was saved (what {@link #restore} sets the session to). */
    public static long stepOf(Checkpoint c, Path file) {
        return metaLong(c, file, "step");
    }

    private static long metaLong(Checkpoint c, Path file, String key) {
        String v = c.meta().get(key);
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Checkpoint.CheckpointException(file, "metadata " + key + ": found " + v
                + ", expected a count >= 0");
    }

    /** Writes a saved tensor into {@code target} in place (the optimiser's moments are views of flat buffers). */
    static void copyInto(NDArray target, Checkpoint.Tensor t, Path file, String name) {
        long[] shape = target.getShape().getShape();
        if (!java.util.Arrays.equals(shape, t.shape())) {
            throw new Checkpoint.CheckpointException(file, "tensor " + name + " has shape "
                    + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(shape)
                    + " (from another recipe?)");
        }
        // NDArray.set(Buffer) gives the tensor new storage, which would detach a view from its buffer
        try (NDArray src = target.getManager().create(t.data(), target.getShape())) {
            target.set(new ai.djl.ndarray.index.NDIndex("..."), src);
        }
    }

    private static Checkpoint.Tensor tensor(NDArray a) {
        return new Checkpoint.Tensor(a.getShape().getShape(), a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                .toFloatArray());
    }
}
