package cpm.train.loop;

import cpm.train.TrainingSession;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** The command line's progress bar: step, smoothed loss, rate and time left. */
public final class ProgressBarListener implements TrainingListener {

    private final PrintStream out;
    private ProgressBar bar;
    private double smooth;

    public ProgressBarListener(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onTrainingBegin(TrainingLoop loop) {
        smooth = Double.NaN;
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(loop.untilStep())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .startsFrom(loop.session().stepsDone(), Duration.ZERO).build();
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        smooth = Double.isNaN(smooth) ? result.loss() : 0.9 * smooth + 0.1 * result.loss();
        bar.stepTo(loop.session().stepsDone());
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f", smooth));
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        close();
    }

    @Override
    public void onTrainingFailed(TrainingLoop loop, RuntimeException cause) {
        close();
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
