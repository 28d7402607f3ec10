package cpm.train.loop;

import cpm.train.TrainingSession;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The command line's progress: step, smoothed loss, rate and time left. On a terminal a bar rewritten in place;
 * elsewhere (a pipe, a log file, a CI job) a plain line every {@link #EVERY_PERCENT}% of the run or every
 * {@link #EVERY_SECONDS} s, whichever comes first, and one at the end, so a log holds a bounded number of whole
 * lines and no carriage returns.
 */
public final class ProgressBarListener implements TrainingListener {

    public static final int EVERY_PERCENT = 10;
    public static final int EVERY_SECONDS = 30;

    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;
    private double smooth;
    private long t0;
    private long first;
    private long lastLine;
    private long lastStep;

    /** Progress on {@code out}: a bar when it is the console's and the console is a terminal, else plain lines. */
    public ProgressBarListener(PrintStream out) {
        this(out, System.console() != null && (out == System.out || out == System.err));
    }

    public ProgressBarListener(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onTrainingBegin(TrainingLoop loop) {
        smooth = Double.NaN;
        t0 = System.nanoTime();
        lastLine = t0;
        first = loop.session().stepsDone();
        lastStep = first;
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(loop.untilStep())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed().setUnit(" steps", 1)
                    .setConsumer(new ConsoleProgressBarConsumer(out))
                    .startsFrom(first, Duration.ZERO).build();
        }
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        smooth = Double.isNaN(smooth) ? result.loss() : 0.9 * smooth + 0.1 * result.loss();
        long done = loop.session().stepsDone();
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f", smooth));
            return;
        }
        long until = loop.untilStep();
        long every = Math.max(1, ((until - first) * EVERY_PERCENT + 99) / 100); // rounded up: at most 100/EVERY_PERCENT lines
        long now = System.nanoTime();
        if (done - lastStep >= every || now - lastLine >= EVERY_SECONDS * 1_000_000_000L || done >= until) {
            out.println(line(done, until, now));
            out.flush();
            lastLine = now;
            lastStep = done;
        }
    }

    /** {@code train: step 60/120 (50%), loss 3.456, 2.10 steps/s, 0:28 left}. */
    private String line(long done, long until, long now) {
        double elapsed = (now - t0) / 1e9;
        long ran = done - first;
        return String.format(Locale.ROOT, "train: step %d/%d (%d%%), loss %.3f, %.2f steps/s, %s left", done, until,
                until == 0 ? 100 : done * 100 / until, smooth, ran / Math.max(1e-9, elapsed),
                TimeLeft.format(TimeLeft.estimate(elapsed, ran, until - done)));
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
