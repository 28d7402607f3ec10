package cpm.train.loop;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.eval.SegmentationMetrics;
import cpm.io.AtomicFiles;
import cpm.train.History;
import cpm.train.TrainingSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layout of a run folder (README.md), written by {@code ./cpm train}, {@code ablate} and the REPL's
 * {@code :save}, read by {@code eval}, {@code --resume} and {@code :load}. This is the one class that spells its
 * file names:
 * <pre>
 * RUN/recipe.json                       the resolved recipe
 * RUN/history.csv                       one row per logged step ({@link History})
 * RUN/eval-SPLIT[-silenced].csv         the scores of an evaluation
 * RUN/eval-SPLIT[-silenced]-per-class.csv
 * RUN/eval-SPLIT-best[-silenced][-per-class].csv   the same for checkpoints/best.ckpt ({@code eval --checkpoint best})
 * RUN/val.csv                           the val scores during training (eval.valInterval, {@link ValScores})
 * RUN/nonfinite-report.json             written when a step gave a non-finite loss
 * RUN/checkpoints/step-NNNNNNNN.ckpt    exact checkpoints
 * RUN/checkpoints/best.ckpt             the checkpoint of the best val mIoU (not a step-N file: never pruned)
 * RUN/pictures/                         overlays, ACP masks, curves.png, the REPL's :show and :probe pictures
 * </pre>
 */
public final class RunFolder {

    private static final String CHECKPOINTS = "checkpoints";
    private static final Pattern CHECKPOINT = Pattern.compile("step-(\\d+)\\.ckpt");

    private final Path dir;

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    /** The run folder a checkpoint file lies in (its checkpoints/ folder's parent), or null. */
    public static RunFolder ofCheckpoint(Path checkpoint) {
        Path parent = checkpoint.toAbsolutePath().getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals(CHECKPOINTS)
                && parent.getParent() != null) {
            return new RunFolder(parent.getParent());
        }
        return null;
    }

    public Path dir() {
        return dir;
    }

    public Path recipeFile() {
        return dir.resolve("recipe.json");
    }

    public Path historyFile() {
        return dir.resolve("history.csv");
    }

    public Path checkpoints() {
        return dir.resolve(CHECKPOINTS);
    }

    public Path pictures() {
        return dir.resolve("pictures");
    }

    /** A picture file under pictures/. */
    public Path picture(String name) {
        return pictures().resolve(name);
    }

    public Path nonFiniteReport() {
        return dir.resolve("nonfinite-report.json");
    }

    /** The checkpoint file of step {@code step}. */
    public Path checkpoint(long step) {
        return checkpoints().resolve(String.format(Locale.ROOT, "step-%08d.ckpt", step));
    }

    /** The exact checkpoint of the step with the best val mIoU so far (eval.valInterval). */
    public Path bestCheckpoint() {
        return checkpoints().resolve("best.ckpt");
    }

    /** The val scores written during training. */
    public Path valFile() {
        return dir.resolve("val.csv");
    }

    public void writeVal(ValScores scores) {
        AtomicFiles.writeString(valFile(), scores.toCsv());
    }

    /** The step a checkpoint file name holds, or -1 for another file. */
    public static long checkpointStep(Path file) {
        Matcher m = CHECKPOINT.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** eval-SPLIT.csv or eval-SPLIT-silenced.csv. */
    public Path evalFile(String split, boolean silenced) {
        return evalFile(split, "", silenced);
    }

    /** eval-SPLIT[-TAG][-silenced].csv: TAG names the checkpoint when it is not the latest ("best"). */
    public Path evalFile(String split, String tag, boolean silenced) {
        return dir.resolve(evalStem(split, tag, silenced) + ".csv");
    }

    /** eval-SPLIT[-silenced]-per-class.csv. */
    public Path evalPerClassFile(String split, boolean silenced) {
        return evalPerClassFile(split, "", silenced);
    }

    public Path evalPerClassFile(String split, String tag, boolean silenced) {
        return dir.resolve(evalStem(split, tag, silenced) + "-per-class.csv");
    }

    private static String evalStem(String split, String tag, boolean silenced) {
        return "eval-" + split + (tag.isEmpty() ? "" : "-" + tag) + (silenced ? "-silenced" : "");
    }

    /** The newest complete checkpoint file, or null. */
    public Path latestCheckpoint() {
        Path ck = checkpoints();
        if (!Files.isDirectory(ck)) {
            return null;
        }
        try (Stream<Path> files = Files.list(ck)) {
            return files.filter(p -> checkpointStep(p) >= 0)
                    .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean hasCheckpoint() {
        return latestCheckpoint() != null;
    }

    public void writeRecipe(Recipe recipe) {
        AtomicFiles.writeString(recipeFile(), RecipeJson.toJson(recipe));
    }

    public void writeHistory(History history) {
        history.write(historyFile());
    }

    /** Writes eval-SPLIT.csv and eval-SPLIT-per-class.csv (with -silenced for silenced audio). */
    public void writeEval(TrainingSession.EvalResult e) {
        writeEval(e, "");
    }

    /** Writes the scores of a checkpoint other than the latest: eval-SPLIT-TAG[-silenced][-per-class].csv. */
    public void writeEval(TrainingSession.EvalResult e, String tag) {
        String s = e.split();
        StringBuilder sb = new StringBuilder("split,protocol,miou,fbeta,images,coverage,silenced\n");
        sb.append(String.format(Locale.ROOT, "%s,%s,%.6f,%.6f,%d,%s,%s%n", s, e.protocol(), e.miou(), e.fbeta(),
                e.images(), Double.isNaN(e.coverage()) ? "" : String.format(Locale.ROOT, "%.6f", e.coverage()),
                e.silenced()));
        AtomicFiles.writeString(evalFile(s, tag, e.silenced()), sb.toString());
        StringBuilder pc = new StringBuilder("class,iou,fbeta,pixels\n");
        for (SegmentationMetrics.ClassScore c : e.perClass()) {
            pc.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,%d%n", c.name(), c.iou(), c.fbeta(), c.pixels()));
        }
        AtomicFiles.writeString(evalPerClassFile(s, tag, e.silenced()), pc.toString());
    }

    /** Creates the folder and checks that it is writable with room for checkpoints (errors name {@code --out}). */
    public void checkWritable() {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < 64L << 20) {
                throw new IllegalArgumentException("--out " + dir + ": found " + (free >> 20)
                        + " MiB free, expected at least 64 MiB for checkpoints");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot write there (" + e.getMessage()
                    + "), expected a writable folder");
        }
    }

    /** Free bytes on the folder's file system. */
    public long usableSpace() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot read its free space (" + e.getMessage()
                    + "), expected a folder on a local file system");
        }
    }

    /**
     * Deletes the temporary files ({@code .NAME.*.tmp}, see {@link AtomicFiles}) that a killed process left in
     * the run folder: they were never renamed into place, so no file of the run refers to them.
     */
    public void removeStaleTemporaries() {
        for (Path d : List.of(dir, checkpoints(), pictures())) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : files.filter(AtomicFiles::isTemporary).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
