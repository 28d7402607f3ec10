package cpm.spark;

import cpm.cli.AblateCommand;
import cpm.cli.ParallelRuns;
import cpm.dsl.RecipeJson;
import cpm.train.History;
import cpm.train.TrainingSession;
import cpm.train.loop.RunFolder;
import org.apache.spark.TaskContext;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One training of {@code ablate --spark} on an executor. The task trains into a folder of its own attempt beside
 * the run folder ({@code .NAME.attempt-ID}) and, once the run and its evaluation are written, renames it into place
 * (one atomic rename on the shared file system): a run folder exists only complete, and an attempt that fails, or
 * whose executor dies, leaves only its own hidden folder, which the driver removes. Should two attempts both finish
 * (a lost executor's result arriving late), the second finds the run in place and yields to it; its results are the
 * same, the run being seeded and trained on the recipe's run.threads.
 */
final class RunTask {

    /** What a task needs: the job's index, the run folder's name and absolute path, the recipe as JSON. */
    record Spec(int index, String name, int seed, String recipe, String dir, boolean failOnce) implements Serializable {
    }

    /** A run's results as they travel back: the final scores and the history (as its exact CSV). */
    record Result(TrainingSession.EvalResult test, TrainingSession.EvalResult silenced, String history)
            implements Serializable {
        AblateCommand.RowRun toRowRun() {
            return new AblateCommand.RowRun(test, silenced, History.parse(history));
        }
    }

    /** The test-only hook: a job named here fails its first attempt after training, before the rename. */
    static final String FAIL_ONCE = "cpm.spark.failOnce";

    private RunTask() {
    }

    static Result run(Spec spec) {
        ExecutorJvm.prepare();
        ParallelRuns.prepareThread();
        TaskContext task = TaskContext.get();
        Path dir = Path.of(spec.dir());
        Path attempt = attemptFolder(dir, task.taskAttemptId());
        delete(attempt); // a folder of this name can only be a dead application's
        AblateCommand.RowRun run = AblateCommand.runOne(RecipeJson.fromJson(spec.recipe(), spec.name()), attempt,
                System.err);
        if (spec.failOnce() && task.attemptNumber() == 0) {
            throw new IllegalStateException(FAIL_ONCE + ": the first attempt of " + spec.name()
                    + " fails after training, as asked");
        }
        publish(attempt, dir);
        return new Result(run.test(), run.silenced(), run.history().toCsv());
    }

    static Path attemptFolder(Path dir, long attemptId) {
        return dir.resolveSibling("." + dir.getFileName() + ".attempt-" + attemptId);
    }

    /** Whether {@code p} is an attempt folder of the run folder {@code dir}. */
    static boolean isAttemptOf(Path p, Path dir) {
        return p.getFileName().toString().startsWith("." + dir.getFileName() + ".attempt-");
    }

    /** Renames the finished attempt into place, or yields to an attempt that got there first. */
    private static void publish(Path attempt, Path dir) {
        try {
            Files.move(attempt, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            if (!new RunFolder(dir).hasCheckpoint()) {
                throw new UncheckedIOException("cannot rename " + attempt + " to " + dir, e);
            }
            delete(attempt);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + attempt + " to " + dir, e);
        }
    }

    static void delete(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
