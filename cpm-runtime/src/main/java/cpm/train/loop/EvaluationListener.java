package cpm.train.loop;

import cpm.train.TrainingSession;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evaluation on the test split: every eval.interval steps during training (printed), and, when asked, once at the
 * end of training, written to the run folder's eval files, optionally also with silenced audio.
 */
public final class EvaluationListener implements TrainingListener {

    private final PrintStream log;
    private final RunFolder folder;
    private final boolean atEnd;
    private final boolean silencedAtEnd;
    private final List<TrainingSession.EvalResult> finalResults = new ArrayList<>();

    /** Periodic evaluation only. */
    public static EvaluationListener periodic(PrintStream log) {
        return new EvaluationListener(log, null, false, false);
    }

    /** Periodic evaluation, and the final one written to {@code folder} (and with silenced audio if asked). */
    public static EvaluationListener withFinal(PrintStream log, RunFolder folder, boolean silenced) {
        return new EvaluationListener(log, folder, true, silenced);
    }

    private EvaluationListener(PrintStream log, RunFolder folder, boolean atEnd, boolean silencedAtEnd) {
        this.log = log;
        this.folder = folder;
        this.atEnd = atEnd;
        this.silencedAtEnd = silencedAtEnd;
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        TrainingSession session = loop.session();
        int every = session.recipe().eval().interval();
        long done = session.stepsDone();
        if (every > 0 && done % every == 0 && done < loop.untilStep()) {
            TrainingSession.EvalResult e = session.evaluate("test", session.recipe().eval().maxItems(), false);
            log.printf(Locale.ROOT, "%nstep %d: test mIoU %.4f F %.4f (%s)%n", done, e.miou(), e.fbeta(), e.protocol());
        }
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        if (!atEnd) {
            return;
        }
        finalResults.clear();
        TrainingSession session = loop.session();
        int maxItems = session.recipe().eval().maxItems();
        TrainingSession.EvalResult e = session.evaluate("test", maxItems, false);
        folder.writeEval(e);
        finalResults.add(e);
        if (silencedAtEnd) {
            TrainingSession.EvalResult s = session.evaluate("test", maxItems, true);
            folder.writeEval(s);
            finalResults.add(s);
        }
    }

    /** The final evaluation (null before the end of training). */
    public TrainingSession.EvalResult finalResult() {
        return finalResults.isEmpty() ? null : finalResults.get(0);
    }

    /** The final evaluation with silenced audio (null unless asked for). */
    public TrainingSession.EvalResult finalSilenced() {
        return finalResults.size() < 2 ? null : finalResults.get(1);
    }
}
