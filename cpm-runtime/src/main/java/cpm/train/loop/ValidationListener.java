package cpm.train.loop;

import cpm.train.History;
import cpm.train.TrainingSession;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Validation during training (eval.valInterval K > 0): after every K-th step and after the run's last step
 * (optim.steps), the model is scored on the val split; the scores go to val.csv and, when the val mIoU beats every
 * earlier one, the state goes to checkpoints/best.ckpt. The schedule depends on the step count only, never on where
 * a call to train stopped, so a resumed run validates the same steps. It runs before {@link CheckpointListener},
 * so a checkpoint of a validated step already holds that step's score.
 */
public final class ValidationListener implements TrainingListener {

    private final RunFolder folder;
    private final History history;
    private final ValScores scores;
    private final PrintStream log;

    public ValidationListener(RunFolder folder, History history, ValScores scores, PrintStream log) {
        this.folder = folder;
        this.history = history;
        this.scores = scores;
        this.log = log;
    }

    /** Whether step {@code done} is validated under eval.valInterval {@code every} in a run of {@code steps}. */
    public static boolean validates(long done, int every, long steps) {
        return every > 0 && done > 0 && (done % every == 0 || done == steps);
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        TrainingSession session = loop.session();
        long done = session.stepsDone();
        var recipe = session.recipe();
        if (!validates(done, recipe.eval().valInterval(), recipe.optim().steps()) || done <= scores.lastStep()) {
            return;
        }
        TrainingSession.EvalResult e = session.evaluate("val", recipe.eval().maxItems(), false);
        boolean best = scores.add(new ValScores.Row(done, e.miou(), e.fbeta(), e.images()));
        folder.writeVal(scores);
        if (best) {
            CheckpointListener.write(session, history, scores, folder.bestCheckpoint());
        }
        ValScores.Row b = scores.best();
        log.printf(Locale.ROOT, "%nstep %d: val mIoU %.4f F %.4f (%s)%s%n", done, e.miou(), e.fbeta(), e.protocol(), best
                ? " (best so far, saved as checkpoints/best.ckpt)"
                : b == null ? "" : String.format(Locale.ROOT, " (best %.4f at step %d)", b.miou(), b.step()));
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        ValScores.Row b = scores.best();
        if (b != null && loop.session().stepsDone() >= loop.session().recipe().optim().steps()) {
            log.printf(Locale.ROOT, "best val mIoU %.4f at step %d: %s%n", b.miou(), b.step(), folder.bestCheckpoint());
        }
    }
}
