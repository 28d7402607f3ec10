package cpm.train.loop;

import cpm.data.Datasets;
import cpm.dsl.Recipe;
import cpm.nn.Weights;
import cpm.train.Checkpoint;
import cpm.train.History;
import cpm.train.SessionCheckpoint;
import cpm.train.TrainingSession;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training run on disk, as {@code ./cpm train} and {@code ./cpm ablate} run it: a {@link TrainingSession}, its
 * {@link History} and its {@link RunFolder}, trained by the {@link TrainingLoop} with the command line's
 * listeners (history.csv with STS windows, validation and the best checkpoint, checkpoints, periodic evaluation,
 * the non-finite report, the progress bar, stop requests; at the end, if asked, the final evaluation and the
 * pictures). Every file is written atomically.
 */
public final class TrainRun implements AutoCloseable {

    private final RunFolder folder;
    private final TrainingSession session;
    private final History history;
    private final ValScores val;
    private final PrintStream log;
    private final RunLock lock;

    private TrainRun(RunFolder folder, TrainingSession session, History history, ValScores val, PrintStream log,
                     RunLock lock) {
        this.folder = folder;
        this.session = session;
        this.history = history;
        this.val = val;
        this.log = log;
        this.lock = lock;
    }

    /**
     * A new run in {@code dir} (created; an existing run there is an error unless resuming). The folder is locked
     * ({@link RunLock}) until {@link #close}: a folder another training holds is an error.
     */
    public static TrainRun create(Recipe recipe, Path dir, PrintStream log) {
        RunFolder folder = new RunFolder(dir);
        folder.checkWritable();
        RunLock lock = folder.lock("--out", null);
        TrainingSession s = null;
        try {
            if (folder.hasCheckpoint()) {
                throw new IllegalArgumentException("--out " + dir + ": found a run with checkpoints, expected an "
                        + "empty or new folder (use --resume to continue it)");
            }
            preflight(recipe);
            s = new TrainingSession(recipe);
            checkSpace(dir, requiredBytes(s, recipe.optim().steps()), folder.usableSpace());
            record(lock, "train");
            folder.writeRecipe(recipe);
            folder.writeWeightsReports(s.model().pretrainedReports());
            s.model().pretrainedReports().forEach(w -> log.print(w.text(false)));
            return new TrainRun(folder, s, new History(), new ValScores(), log, lock);
        } catch (RuntimeException | Error e) {
            release(s, lock);
            throw e;
        }
    }

    /** Continues the run in {@code dir} from its latest checkpoint, exactly. */
    public static TrainRun resume(Path dir, PrintStream log) {
        return resume(dir, null, log);
    }

    /**
     * Continues the run in {@code dir} exactly, from its latest checkpoint or from {@code from} (step-N, N or a
     * .ckpt file; null for the latest). Refused: a folder another training holds, a recipe.json that no longer
     * holds the checkpoint's recipe (the differing fields named), a damaged checkpoint (the intact older ones
     * named, with the {@code --from} that continues from them).
     */
    public static TrainRun resume(Path dir, String from, PrintStream log) {
        RunFolder folder = new RunFolder(dir);
        if (!folder.hasCheckpoint() && from == null) {
            throw new IllegalArgumentException("--resume " + dir + ": found no checkpoint in " + folder.checkpoints()
                    + ", expected a run folder written by train");
        }
        folder.checkWritable();
        RunLock lock = folder.lock("--out", null);
        TrainingSession s = null;
        try {
            folder.removeStaleTemporaries();
            Path ck = from == null ? folder.latestCheckpoint() : folder.checkpointFrom("--from", from);
            Checkpoint c = folder.readCheckpoint(ck,
                    step -> "./cpm train --resume --out " + dir + " --from step-" + step);
            Recipe recipe = SessionCheckpoint.recipeOf(c, ck);
            boolean recipeThere = folder.requireRecipeOf(recipe, ck, "--resume");
            preflight(recipe);
            s = new TrainingSession(recipe);
            History h = SessionCheckpoint.restore(s, c, ck);
            ValScores val = ValScores.parse(c.meta().get(ValScores.META), ck);
            checkSpace(dir, requiredBytes(s, recipe.optim().steps() - s.stepsDone()), folder.usableSpace());
            record(lock, "train --resume");
            if (!recipeThere) {
                folder.writeRecipe(recipe);
                log.println("note: " + folder.recipeFile() + " was missing; wrote the recipe of " + ck.getFileName());
            }
            log.println("resumed " + dir + " at step " + s.stepsDone() + " from " + ck.getFileName());
            if (!val.rows().isEmpty() || java.nio.file.Files.exists(folder.valFile())) {
                folder.writeVal(val); // without the rows of steps after the checkpoint: they are validated again
            }
            return new TrainRun(folder, s, h, val, log, lock);
        } catch (RuntimeException | Error e) {
            release(s, lock);
            throw e;
        }
    }

    /** The run starts: its lock says who holds it (not before, so a refused command leaves .lock as it was). */
    private static void record(RunLock lock, String command) {
        if (lock != null) {
            lock.record(command);
        }
    }

    private static void release(TrainingSession s, RunLock lock) {
        if (s != null) {
            s.close();
        }
        if (lock != null) {
            lock.close();
        }
    }

    public TrainingSession session() {
        return session;
    }

    public History history() {
        return history;
    }

    /** The val scores so far (eval.valInterval). */
    public ValScores val() {
        return val;
    }

    public Path dir() {
        return folder.dir();
    }

    public RunFolder folder() {
        return folder;
    }

    /**
     * What can be known before training starts: the test split the run ends with is opened (its metadata, class
     * map and every file's presence are checked) so that a broken evaluation set fails now, not after hours of
     * training. The training split is opened by the session itself. Decoding every file is left to
     * {@code ./cpm data check}; a file that fails to decode mid-run stops training after a rescue checkpoint.
     */
    static void preflight(Recipe recipe) {
        if (!recipe.data().path().isEmpty()) {
            Datasets.open(recipe, "test");
        }
        if (recipe.eval().valInterval() > 0 && Datasets.open(recipe, "val").size() == 0) {
            throw new IllegalArgumentException("recipe eval.valInterval " + recipe.eval().valInterval() + ": found no "
                    + "labelled val frames in " + (recipe.data().path().isEmpty() ? "the synthetic data"
                    : recipe.data().path()) + ", expected a data set with a val split (or eval.valInterval 0)");
        }
    }

    /**
     * Bytes the rest of a run will write: one checkpoint per run.checkpointInterval steps plus the final one and
     * best.ckpt (each float32: parameters and buffers, two AdamW moments, the CCDM state), plus 16 MiB for logs
     * and pictures.
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
        int every = s.recipe().run().checkpointInterval();
        long count = 1 + (every > 0 ? Math.max(0, stepsLeft) / every : 0)
                + (s.recipe().eval().valInterval() > 0 ? 1 : 0); // checkpoints/best.ckpt
        return count * perCheckpoint + (16L << 20);
    }

    /** Fails before training when the run folder's file system cannot hold what the run will write. */
    public static void checkSpace(Path dir, long required, long free) {
        if (free < required) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--out %s: found %,d MiB free, expected at "
                    + "least %,d MiB for the checkpoints this run writes (fewer with a larger run.checkpointInterval)",
                    dir, free >> 20, (required + (1 << 20) - 1) >> 20));
        }
    }

    /** The command line's listeners, in their order; {@code pictures} adds the pictures at the end. */
    private List<TrainingListener> listeners(boolean progress, EvaluationListener evaluation, boolean pictures) {
        List<TrainingListener> l = new ArrayList<>();
        if (progress) {
            l.add(new ProgressBarListener(log)); // first, so that the bar is closed before the end's work
        }
        l.add(new HistoryListener(history, session.recipe(), folder));
        l.add(new ValidationListener(folder, history, val, log)); // before checkpoints: they hold the step's score
        l.add(new CheckpointListener(folder, history, val, log));
        l.add(evaluation);
        l.add(new NonFiniteReportListener(folder));
        l.add(new StopRequestListener());
        if (pictures) {
            l.add(new PicturesListener(folder, history));
        }
        return l;
    }

    /** Trains until {@code untilStep} steps are done (or a stop is requested); returns the steps run. */
    public long train(long untilStep, boolean progress) {
        return new TrainingLoop(session, listeners(progress, EvaluationListener.periodic(log), false)).run(untilStep);
    }

    /** The final evaluation of a run: the test scores, and those with silenced audio when they were asked for. */
    public record Result(TrainingSession.EvalResult test, TrainingSession.EvalResult silenced) {
    }

    /**
     * Trains until {@code untilStep}, then evaluates on the test split (eval-test*.csv, also with silenced audio
     * when {@code silenced}) and draws the pictures.
     */
    public Result trainAndEvaluate(long untilStep, boolean progress, boolean silenced) {
        EvaluationListener evaluation = EvaluationListener.withFinal(log, folder, silenced);
        new TrainingLoop(session, listeners(progress, evaluation, true)).run(untilStep);
        return new Result(evaluation.finalResult(), evaluation.finalSilenced());
    }

    /** Writes a checkpoint of the current step; returns the file. */
    public Path checkpoint() {
        return CheckpointListener.save(session, history, val, folder);
    }

    /** Closes the session and releases the run folder's lock. */
    @Override
    public void close() {
        release(session, lock);
    }
}
