package cpm.train.loop;

import cpm.diag.StsWindow;
import cpm.dsl.Recipe;
import cpm.train.History;
import cpm.train.TrainingSession;

/**
 * Logs a {@link History} row every run.logInterval steps (and at the run's last step), with the matching
 * stability score when its window closes ({@link StsWindow}); with a run folder, history.csv is rewritten after
 * each row. The clock continues from the history's last row, so a resumed run counts on.
 */
public final class HistoryListener implements TrainingListener {

    private final History history;
    private final StsWindow window;
    private final RunFolder folder;
    private long t0;
    private double before;

    /** @param folder where history.csv goes, or null to keep the history in memory only */
    public HistoryListener(History history, Recipe recipe, RunFolder folder) {
        this.history = history;
        this.window = stsWindow(recipe);
        this.folder = folder;
    }

    /** The STS window of a recipe: one epoch (train frames / batch size), at most 100 steps. */
    public static StsWindow stsWindow(Recipe recipe) {
        var run = recipe.run();
        var data = recipe.data();
        var optim = recipe.optim();
        return new StsWindow(run.logInterval(), (long) data.trainItems() * data.framesPerClip() / optim.batchSize(),
                optim.steps());
    }

    @Override
    public void onTrainingBegin(TrainingLoop loop) {
        t0 = System.nanoTime();
        before = history.lastSeconds();
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        record(loop.session(), result, before + (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Logs a step that {@code session} has just completed when it is due (what {@link #onStep} does for a loop;
     * the REPL calls it for steps taken outside one). Returns whether a row was added.
     *
     * @param seconds the run's time so far
     */
    public boolean record(TrainingSession session, TrainingSession.StepResult result, double seconds) {
        long done = session.stepsDone();
        if (!window.logged(done)) {
            return false;
        }
        double sts = window.closes(done) ? StsWindow.close(session.stability()) : Double.NaN;
        history.add(History.Row.of(new History.Logged(result, done, seconds, sts)));
        if (folder != null) {
            folder.writeHistory(history);
        }
        return true;
    }
}
