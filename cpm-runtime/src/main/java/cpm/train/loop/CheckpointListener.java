package cpm.train.loop;

import cpm.train.History;
import cpm.train.NonFiniteLossException;
import cpm.train.SessionCheckpoint;
import cpm.train.TrainingSession;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Exact checkpoints in the run folder: every run.checkpointInterval steps (not at the last step of a call, which
 * the end of training saves), at the end of training, and a rescue checkpoint when a step fails for another
 * reason than a non-finite value (say a data file that does not decode), unless the latest one holds that step.
 */
public final class CheckpointListener implements TrainingListener {

    private final RunFolder folder;
    private final History history;
    private final PrintStream log;

    public CheckpointListener(RunFolder folder, History history, PrintStream log) {
        this.folder = folder;
        this.history = history;
        this.log = log;
    }

    /** Saves the session's state now; returns the file. */
    public static Path save(TrainingSession session, History history, RunFolder folder) {
        Path file = folder.checkpoint(session.stepsDone());
        SessionCheckpoint.save(session, history, file);
        return file;
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        int every = loop.session().recipe().run().checkpointInterval();
        long done = loop.session().stepsDone();
        if (every > 0 && done % every == 0 && done < loop.untilStep()) {
            save(loop.session(), history, folder);
        }
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        save(loop.session(), history, folder);
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
            Path f = save(session, history, folder);
            log.println("saved " + f.getFileName() + " before stopping on: " + cause.getMessage());
        }
    }
}
