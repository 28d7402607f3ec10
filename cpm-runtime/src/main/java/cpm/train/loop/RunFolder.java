package cpm.train.loop;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import cpm.dsl.RecipeJson;
import cpm.eval.SegmentationMetrics;
import cpm.io.AtomicFiles;
import cpm.train.Checkpoint;
import cpm.train.History;
import cpm.train.TrainingSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;
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
 * RUN/eval-SPLIT[-silenced].csv         the scores of an evaluation of the run's own data
 * RUN/eval-SPLIT[-silenced]-per-class.csv
 * RUN/eval-SPLIT-best[-silenced][-per-class].csv   the same for checkpoints/best.ckpt ({@code eval --checkpoint best})
 * RUN/val.csv                           the val scores during training (eval.valInterval, {@link ValScores})
 * RUN/eval-SPLIT[-silenced][-per-class]@DATA.csv   the same for other data ({@code eval --data}), DATA its name
 * RUN/nonfinite-report.json             written when a step gave a non-finite loss
 * RUN/weights-report.txt                what loading image/audio.pretrained matched ({@link cpm.model.WeightsReport})
 * RUN/checkpoints/step-NNNNNNNN.ckpt    exact checkpoints
 * RUN/checkpoints/best.ckpt             the checkpoint of the best val mIoU (not a step-N file: never pruned)
 * RUN/pictures/                         overlays, ACP masks, curves.png, the REPL's :show and :probe pictures
 * RUN/.lock                             the lock of the run ({@link RunLock}): one training at a time
 * </pre>
 */
public final class RunFolder {

    private static final String CHECKPOINTS = "checkpoints";
    private static final Pattern CHECKPOINT = Pattern.compile("step-(\\d+)\\.ckpt");
    private static final Pattern STEP = Pattern.compile("(?:step-)?(\\d{1,18})(?:\\.ckpt)?");

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

    public Path weightsReport() {
        return dir.resolve("weights-report.txt");
    }

    /** Writes the reports of the pretrained files a new run loaded (none: nothing written). */
    public void writeWeightsReports(java.util.List<cpm.model.WeightsReport> reports) {
        if (!reports.isEmpty()) {
            AtomicFiles.writeString(weightsReport(),
                    String.join("\n", reports.stream().map(r -> r.text(true)).toList()));
        }
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
        return evalFile(split, "", silenced, null);
    }

    /**
     * eval-SPLIT[-TAG][-silenced].csv[@DATA]: TAG names the checkpoint when it is not the latest ("best",
     * "step-N"), DATA the data when it is not the run's own ({@link #dataName}; null: the run's).
     */
    public Path evalFile(String split, String tag, boolean silenced, String data) {
        return dir.resolve(evalName(split, tag, silenced, "", data));
    }

    /** eval-SPLIT[-silenced]-per-class.csv. */
    public Path evalPerClassFile(String split, boolean silenced) {
        return evalPerClassFile(split, "", silenced, null);
    }

    /** eval-SPLIT[-TAG][-silenced]-per-class[@DATA].csv, as {@link #evalFile(String, String, boolean, String)}. */
    public Path evalPerClassFile(String split, String tag, boolean silenced, String data) {
        return dir.resolve(evalName(split, tag, silenced, "-per-class", data));
    }

    private static String evalName(String split, String tag, boolean silenced, String suffix, String data) {
        return "eval-" + split + (tag.isEmpty() ? "" : "-" + tag) + (silenced ? "-silenced" : "") + suffix
                + (data == null ? "" : "@" + data) + ".csv";
    }

    /**
     * The name that eval files of other data carry: the data folder's own name, reduced to letters, digits,
     * '.', '_' and '-' (so it is one safe file-name part), at most 64 characters; "data" when nothing is left.
     */
    public static String dataName(String dataPath) {
        Path p = Path.of(dataPath).toAbsolutePath().normalize();
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.]+", "");
        safe = safe.length() > 64 ? safe.substring(0, 64) : safe;
        return safe.isEmpty() ? "data" : safe;
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

    /** The steps of the checkpoint files in checkpoints/, in order (whether intact or not). */
    public List<Long> checkpointSteps() {
        Path ck = checkpoints();
        if (!Files.isDirectory(ck)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(ck)) {
            return files.map(RunFolder::checkpointStep).filter(s -> s >= 0).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The checkpoint a {@code --from} value names: {@code step-N} or {@code N} (a file of this run), or the path of
     * a .ckpt file. {@code option} names the option in messages.
     */
    public Path checkpointFrom(String option, String from) {
        return checkpointFrom(option, from, "");
    }

    /**
     * As {@link #checkpointFrom(String, String)}, for an option that also takes words of its own: {@code words}
     * ("latest, best, ") is listed first in what a message expects.
     */
    public Path checkpointFrom(String option, String from, String words) {
        Matcher m = STEP.matcher(from.strip());
        if (m.matches()) {
            long step = Long.parseLong(m.group(1));
            Path file = checkpoint(step);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(option + " " + from + ": found no " + file.getFileName() + " in "
                        + checkpoints() + ", expected " + words + "one of: " + stepNames(checkpointSteps())
                        + " (or a .ckpt file)");
            }
            return file;
        }
        Path file = Path.of(from);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + from + ": found no such file, expected " + words
                    + "step-N (one of: " + stepNames(checkpointSteps()) + ") or a .ckpt file");
        }
        return file;
    }

    /**
     * Reads a checkpoint. A damaged checkpoint of this run is a {@link Checkpoint.CheckpointException} that also
     * names the intact checkpoints older than it (the newest three) and how to continue from one:
     * {@code useStep} gives the command line for a step.
     */
    public Checkpoint readCheckpoint(Path file, LongFunction<String> useStep) {
        try {
            return Checkpoint.read(file);
        } catch (Checkpoint.CheckpointException e) {
            long step = checkpointStep(file);
            if (step < 0 || !file.toAbsolutePath().normalize().equals(checkpoint(step).toAbsolutePath().normalize())) {
                throw e; // a file from elsewhere: nothing of this run to offer
            }
            List<Long> intact = new ArrayList<>();
            List<Long> steps = new ArrayList<>(checkpointSteps());
            Collections.reverse(steps);
            for (long s : steps) {
                if (s < step && intact.size() < 3 && isIntact(checkpoint(s))) {
                    intact.add(s);
                }
            }
            if (intact.isEmpty()) {
                throw e.withAdvice("; no older checkpoint in " + checkpoints() + " is intact either (start a new run)");
            }
            throw e.withAdvice("; intact older checkpoint" + (intact.size() > 1 ? "s" : "") + ": "
                    + stepNames(intact) + "; to continue from the newest: " + useStep.apply(intact.get(0)));
        }
    }

    private static boolean isIntact(Path file) {
        try {
            Checkpoint.read(file);
            return true;
        } catch (Checkpoint.CheckpointException e) {
            return false;
        }
    }

    private static String stepNames(List<Long> steps) {
        if (steps.isEmpty()) {
            return "(none)";
        }
        return String.join(", ", steps.stream().map(s -> "step-" + s).toList());
    }

    /**
     * Refuses a run whose recipe.json no longer holds the recipe a checkpoint was trained with (edited, or not
     * JSON): continuing would silently ignore the edit. {@code option} names the run folder in messages. Returns
     * false when recipe.json is missing (nothing to compare; the caller writes the checkpoint's recipe there).
     */
    public boolean requireRecipeOf(Recipe trained, Path checkpoint, String option) {
        Path file = recipeFile();
        if (!Files.exists(file)) {
            return false;
        }
        String how = "; to continue this run, restore recipe.json; to train the edited recipe, start a new run: "
                + "./cpm train " + file + " --out NEW_DIR";
        Recipe onDisk;
        try {
            onDisk = RecipeJson.fromJson(Files.readString(file), file.toString());
        } catch (IOException | RecipeException e) {
            throw new IllegalArgumentException(option + " " + dir + ": recipe.json is not a readable recipe ("
                    + e.getMessage() + "), expected the recipe the run was trained with (the one in "
                    + checkpoint.getFileName() + ")" + how);
        }
        List<String> changed = trained.diff(onDisk);
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException(option + " " + dir + ": recipe.json differs from the recipe in "
                    + checkpoint.getFileName() + " in " + changed.size() + " field" + (changed.size() > 1 ? "s" : "")
                    + " (checkpoint -> recipe.json): " + String.join("; ", changed)
                    + ", expected the recipe the run was trained with" + how);
        }
        return true;
    }

    /**
     * Locks the folder for a training ({@link RunLock#exclusive}) and records {@code command} as its holder when
     * {@code command} is not null (else the caller records once its checks pass); null where the file system
     * cannot lock.
     */
    public RunLock lock(String option, String command) {
        RunLock l = RunLock.exclusive(dir, option);
        if (l != null && command != null) {
            l.record(command);
        }
        return l;
    }

    /** Locks the folder for reading a run ({@link RunLock#shared}); null where it cannot be locked. */
    public RunLock lockShared(String option) {
        return RunLock.shared(dir, option);
    }

    public void writeRecipe(Recipe recipe) {
        AtomicFiles.writeString(recipeFile(), RecipeJson.toJson(recipe));
    }

    public void writeHistory(History history) {
        history.write(historyFile());
    }

    /** Writes eval-SPLIT.csv and eval-SPLIT-per-class.csv (with -silenced for silenced audio). */
    public void writeEval(TrainingSession.EvalResult e) {
        writeEval(e, "", null);
    }

    /**
     * Writes the scores of an evaluation and its per-class scores: of the latest checkpoint ({@code tag} "") or
     * another ("best", "step-N"), of the run's own data ({@code data} null) or of other data ({@code data} its
     * {@link #dataName}, so the run's own scores stay); returns both files.
     */
    public List<Path> writeEval(TrainingSession.EvalResult e, String tag, String data) {
        String s = e.split();
        StringBuilder sb = new StringBuilder("split,protocol,miou,fbeta,images,coverage,silenced\n");
        sb.append(String.format(Locale.ROOT, "%s,%s,%.6f,%.6f,%d,%s,%s%n", s, e.protocol(), e.miou(), e.fbeta(),
                e.images(), Double.isNaN(e.coverage()) ? "" : String.format(Locale.ROOT, "%.6f", e.coverage()),
                e.silenced()));
        Path scores = evalFile(s, tag, e.silenced(), data);
        AtomicFiles.writeString(scores, sb.toString());
        StringBuilder pc = new StringBuilder("protocol,class,iou,fbeta,pixels\n");
        for (SegmentationMetrics.ClassScore c : e.perClass()) {
            pc.append(String.format(Locale.ROOT, "%s,%s,%.6f,%.6f,%d%n", e.protocol(), c.name(), c.iou(), c.fbeta(),
                    c.pixels()));
        }
        Path perClass = evalPerClassFile(s, tag, e.silenced(), data);
        AtomicFiles.writeString(perClass, pc.toString());
        return List.of(scores, perClass);
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
