package cpm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.eval.SegmentationMetrics;
import cpm.io.AtomicFiles;
import cpm.nn.Weights;
import cpm.viz.Pictures;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training run on disk (the run folder of spec/cli.md): loops {@link TrainingSession#step()} with a progress
 * bar, logs history.csv, writes checkpoints at the recipe's interval, evaluates, and draws the pictures. Every
 * file is written atomically.
 */
public final class TrainRun implements AutoCloseable {

    private final Path dir;
    private final TrainingSession session;
    private final History history;
    private final PrintStream log;
    private double elapsedBefore;

    private TrainRun(Path dir, TrainingSession session, History history, PrintStream log) {
        this.dir = dir;
        this.session = session;
        this.history = history;
        this.log = log;
    }

    /** A new run in {@code dir} (created; an existing run there is an error unless resuming). */
    public static TrainRun create(Recipe recipe, Path dir, PrintStream log) {
        checkWritable(dir);
        if (Files.exists(dir.resolve("checkpoints")) && hasCheckpoint(dir)) {
            throw new IllegalArgumentException("--out " + dir + ": found a run with checkpoints, expected an empty "
                    + "or new folder (use --resume to continue it)");
        }
        preflight(recipe);
        TrainingSession s = new TrainingSession(recipe);
        try {
            checkSpace(dir, requiredBytes(s, recipe.getInt("optim.steps")), usableSpace(dir));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        AtomicFiles.writeString(dir.resolve("recipe.json"), RecipeJson.toJson(recipe));
        return new TrainRun(dir, s, new History(), log);
    }

    /** Continues the run in {@code dir} from its latest checkpoint, exactly. */
    public static TrainRun resume(Path dir, PrintStream log) {
        Path ck = latestCheckpoint(dir);
        if (ck == null) {
            throw new IllegalArgumentException("--resume " + dir + ": found no checkpoint in " + dir.resolve("checkpoints")
                    + ", expected a run folder written by train");
        }
        checkWritable(dir);
        removeStaleTemporaries(dir);
        Checkpoint c = Checkpoint.read(ck);
        Recipe recipe = SessionCheckpoint.recipeOf(c, ck);
        preflight(recipe);
        TrainingSession s = new TrainingSession(recipe);
        History h;
        try {
            h = SessionCheckpoint.restore(s, c, ck);
            checkSpace(dir, requiredBytes(s, recipe.getInt("optim.steps") - s.stepsDone()), usableSpace(dir));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        TrainRun run = new TrainRun(dir, s, h, log);
        List<History.Row> rows = h.rows();
        run.elapsedBefore = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).seconds();
        log.println("resumed " + dir + " at step " + s.stepsDone() + " from " + ck.getFileName());
        return run;
    }

    public TrainingSession session() {
        return session;
    }

    public History history() {
        return history;
    }

    public Path dir() {
        return dir;
    }

    /**
     * What can be known before training starts: the test split the run ends with is opened (its metadata, class
     * map and every file's presence are checked) so that a broken evaluation set fails now, not after hours of
     * training. The training split is opened by the session itself. Decoding every file is left to
     * {@code ./cpm data check}; a file that fails to decode mid-run stops training after a rescue checkpoint.
     */
    static void preflight(Recipe recipe) {
        if (!recipe.getString("data.path").isEmpty()) {
            cpm.data.Datasets.open(recipe, "test");
        }
    }

    static void checkWritable(Path dir) {
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

    /**
     * Deletes the temporary files ({@code .NAME.*.tmp}, see {@link AtomicFiles}) that a killed process left in
     * the run folder: they were never renamed into place, so no file of the run refers to them.
     */
    static void removeStaleTemporaries(Path dir) {
        for (Path d : List.of(dir, dir.resolve("checkpoints"), dir.resolve("pictures"))) {
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

    /**
     * Bytes the rest of a run will write: one checkpoint per run.checkpointInterval steps plus the final one (each
     * float32: parameters and buffers, two AdamW moments, the CCDM state), plus 16 MiB for logs and pictures.
     */
    public static long requiredBytes(TrainingSession s, long stepsLeft) {
        long floats = 0;
        for (Weights.Entry e : s.weights().entries().values()) {
            floats += e.array().size();
        }
        for (ai.djl.ndarray.NDArray a : s.optimiser().state().values()) {
            floats += a.size();
        }
        if (s.ccdm() != null) {
            for (float[] v : s.ccdm().state().values()) {
                floats += v.length;
            }
        }
        long perCheckpoint = floats * 4 + (1 << 20);
        int every = s.recipe().getInt("run.checkpointInterval");
        long count = 1 + (every > 0 ? Math.max(0, stepsLeft) / every : 0);
        return count * perCheckpoint + (16L << 20);
    }

    static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot read its free space (" + e.getMessage()
                    + "), expected a folder on a local file system");
        }
    }

    /** Fails before training when the run folder's file system cannot hold what the run will write. */
    public static void checkSpace(Path dir, long required, long free) {
        if (free < required) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--out %s: found %,d MiB free, expected at "
                    + "least %,d MiB for the checkpoints this run writes (fewer with a larger run.checkpointInterval)",
                    dir, free >> 20, (required + (1 << 20) - 1) >> 20));
        }
    }

    static boolean hasCheckpoint(Path dir) {
        return latestCheckpoint(dir) != null;
    }

    /** The newest complete checkpoint file of a run, or null. */
    public static Path latestCheckpoint(Path dir) {
        Path ck = dir.resolve("checkpoints");
        if (!Files.isDirectory(ck)) {
            return null;
        }
        try (Stream<Path> files = Files.list(ck)) {
            return files.filter(p -> p.getFileName().toString().matches("step-\\d+\\.ckpt"))
                    .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Trains until {@code untilStep} steps are done (or a stop is requested); returns the steps run. */
    public long train(long untilStep, boolean progress) {
        Recipe r = session.recipe();
        int logEvery = r.getInt("run.logInterval");
        int ckEvery = r.getInt("run.checkpointInterval");
        int evalEvery = r.getInt("eval.interval");
        long start = session.stepsDone();
        long t0 = System.nanoTime();
        ProgressBar bar = progress ? new ProgressBarBuilder().setTaskName("train").setInitialMax(untilStep)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(log)).startsFrom(start, Duration.ZERO).build() : null;
        double smooth = Double.NaN;
        try {
            while (session.stepsDone() < untilStep) {
                TrainingSession.StepResult res;
                try {
                    res = session.step();
                } catch (NonFiniteLossException e) {
                    writeNonFiniteReport(e);
                    throw e;
                } catch (RuntimeException e) {
                    rescue(e);
                    throw e;
                }
                long done = session.stepsDone();
                smooth = Double.isNaN(smooth) ? res.loss() : 0.9 * smooth + 0.1 * res.loss();
                double seconds = elapsedBefore + (System.nanoTime() - t0) / 1e9;
                // Rows and STS windows depend on the step only (not on where a call stops), so a run stopped
                // and resumed logs exactly what an uninterrupted one logs; the STS window state is checkpointed.
                boolean last = done == r.getInt("optim.steps");
                if (done % logEvery == 0 || last) {
                    double sts = Double.NaN;
                    if (done % Math.max(logEvery, stsWindow()) == 0 || last) {
                        sts = session.stability().score();
                        session.stability().reset();
                    }
                    history.add(new History.Row(done, res.loss(), res.agn(), res.vcp(), res.acp(), res.pcl(), res.lr(),
                            seconds, sts));
                    history.write(dir.resolve("history.csv"));
                }
                if (ckEvery > 0 && done % ckEvery == 0 && done < untilStep) {
                    checkpoint();
                }
                if (evalEvery > 0 && done % evalEvery == 0 && done < untilStep) {
                    TrainingSession.EvalResult e = session.evaluate("test", r.getInt("eval.maxItems"), false);
                    log.printf(Locale.ROOT, "%nstep %d: test mIoU %.4f F %.4f (%s)%n", done, e.miou(), e.fbeta(), e.protocol());
                }
                if (bar != null) {
                    bar.stepTo(done);
                    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f", smooth));
                }
                if (session.takeStopRequest()) {
                    break;
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        checkpoint();
        return session.stepsDone() - start;
    }

    /**
     * A step failed for another reason than a non-finite value (say a data file that does not decode): the
     * session is still at its last completed step, so save it, unless the latest checkpoint already holds it.
     */
    private void rescue(RuntimeException cause) {
        Path last = latestCheckpoint(dir);
        long saved = -1;
        if (last != null) {
            String n = last.getFileName().toString();
            saved = Long.parseLong(n.substring(5, n.length() - 5));
        }
        if (session.stepsDone() > saved && session.stepsDone() > 0) {
            try {
                Path f = checkpoint();
                log.println("saved " + f.getFileName() + " before stopping on: " + cause.getMessage());
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private int stsWindow() {
        Recipe r = session.recipe();
        int perEpoch = Math.max(1, r.getInt("data.trainItems") * r.getInt("data.framesPerClip") / r.getInt("optim.batchSize"));
        return Math.min(perEpoch, 100);
    }

    public Path checkpoint() {
        Path file = dir.resolve("checkpoints").resolve(String.format(Locale.ROOT, "step-%08d.ckpt", session.stepsDone()));
        SessionCheckpoint.save(session, history, file);
        return file;
    }

    /** Final evaluation: eval-test.csv, eval-test-per-class.csv, pictures. */
    public TrainingSession.EvalResult evaluateAndDraw(String split) {
        Recipe r = session.recipe();
        TrainingSession.EvalResult e = session.evaluate(split, r.getInt("eval.maxItems"), false);
        writeEval(dir, e);
        Pictures.curves(history, dir.resolve("pictures").resolve("curves.png"));
        Pictures.overlays(session, split, r.getInt("run.pictures"), dir.resolve("pictures"));
        if (r.getBool("cpm.acp")) {
            Pictures.acpMasks(session, Math.min(2, r.getInt("run.pictures")), dir.resolve("pictures"));
        }
        return e;
    }

    /** Writes eval-SPLIT.csv and eval-SPLIT-per-class.csv. */
    public static void writeEval(Path dir, TrainingSession.EvalResult e) {
        String s = e.split();
        StringBuilder sb = new StringBuilder("split,protocol,miou,fbeta,images,coverage,silenced\n");
        sb.append(String.format(Locale.ROOT, "%s,%s,%.6f,%.6f,%d,%s,%s%n", s, e.protocol(), e.miou(), e.fbeta(),
                e.images(), Double.isNaN(e.coverage()) ? "" : String.format(Locale.ROOT, "%.6f", e.coverage()),
                e.silenced()));
        AtomicFiles.writeString(dir.resolve("eval-" + s + (e.silenced() ? "-silenced" : "") + ".csv"), sb.toString());
        StringBuilder pc = new StringBuilder("class,iou,fbeta,pixels\n");
        for (SegmentationMetrics.ClassScore c : e.perClass()) {
            pc.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,%d%n", c.name(), c.iou(), c.fbeta(), c.pixels()));
        }
        AtomicFiles.writeString(dir.resolve("eval-" + s + (e.silenced() ? "-silenced" : "") + "-per-class.csv"),
                pc.toString());
    }

    private void writeNonFiniteReport(NonFiniteLossException e) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("step", e.step());
        report.put("term", e.term());
        report.put("items", e.items());
        Map<String, Object> terms = new LinkedHashMap<>();
        e.terms().forEach((k, v) -> terms.put(k, Double.isFinite(v) ? v : String.valueOf(v)));
        report.put("terms", terms);
        Path last = latestCheckpoint(dir);
        report.put("lastGoodCheckpoint", last == null ? null : last.getFileName().toString());
        try {
            AtomicFiles.writeString(dir.resolve("nonfinite-report.json"),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
