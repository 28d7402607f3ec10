package cpm.train.loop;

import cpm.train.History;
import cpm.train.NonFiniteLossException;
import cpm.train.SessionCheckpoint;
import cpm.train.TrainingSession;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Exact checkpoints in the run folder: every run.checkpointInterval steps (not at the last step of a call, which
 * the end of training saves), at the end of training, and a rescue checkpoint when a step fails for another
 * reason than a non-finite value (say a data file that does not decode), unless the latest one holds that step.
 */
public final class CheckpointListener implements TrainingListener {

    private final RunFolder folder;
    private final History history;
    private final ValScores val;
    private final PrintStream log;

    public CheckpointListener(RunFolder folder, History history, ValScores val, PrintStream log) {
        this.folder = folder;
        this.history = history;
        this.val = val;
        this.log = log;
    }

    /** Saves the session's state now; returns the file. */
    public static Path save(TrainingSession session, History history, ValScores val, RunFolder folder) {
        Path file = folder.checkpoint(session.stepsDone());
        write(session, history, val, file);
        return file;
    }

    /**
     * Writes the session's state to {@code file}, with the val scores so far (so the best among them) as metadata
     * once there are any: a run without validation writes the checkpoints it always wrote.
     */
    static void write(TrainingSession session, History history, ValScores val, Path file) {
        SessionCheckpoint.save(session, history, val.rows().isEmpty() ? Map.of() : Map.of(ValScores.META,
                val.toCsv()), file);
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        int every = loop.session().recipe().run().checkpointInterval();
        long done = loop.session().stepsDone();
        if (every > 0 && done % every == 0 && done < loop.untilStep()) {
            save(loop.session(), history, val, folder);
        }
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        save(loop.session(), history, val, folder);
    }

    @Override
    public void onTrainingFailed(TrainingLoop loop, RuntimeException cause) {
        if (cause instanceof NonFiniteLossException) {
            return; // the last good checkpoint stays the latest; NonFiniteReportListener says which it is
        }
        Path last = folder.latestCheckpoint();
        long saved = last == null ? -1 : RunFolder.checkpointStep(last);
        TrainingSession session = loop.session();
        if (session.stepsDone() > saved && session.stepsDone() > 0) {
            Path f = save(session, history, val, folder);
            log.println("saved " + f.getFileName() + " before stopping on: " + cause.getMessage());
        }
    }
}
