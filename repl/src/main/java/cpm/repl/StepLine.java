package cpm.repl;

import cpm.train.TrainingSession;
import cpm.train.loop.TimeLeft;
import cpm.train.loop.TrainingListener;
import cpm.train.loop.TrainingLoop;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The REPL's progress: one line per step with the time left, rewritten in place on a terminal; elsewhere (a
 * script piped in, a log) a plain line every tenth of the call and at its end, as {@code ./cpm train} prints;
 * says so when a stop request ended the call.
 */
final class StepLine implements TrainingListener {
    private final PrintStream out;
    private final int n;
    private final boolean terminal;
    private long t0;
    private long first;
    private int width;

    StepLine(PrintStream out, int n) {
        this(out, n, System.console() != null);
    }

    StepLine(PrintStream out, int n, boolean terminal) {
        this.out = out;
        this.n = n;
        this.terminal = terminal;
    }

    @Override
    public void onTrainingBegin(TrainingLoop loop) {
        t0 = System.nanoTime();
        first = loop.session().stepsDone();
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult r) {
        long now = loop.session().stepsDone();
        long done = now - first;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        String line = String.format(Locale.ROOT, "|  step %d (%d/%d)  loss %.4f  agn %.4f%s  lr %.2e  %.2f s/step  %s left",
                now, done, n, r.loss(), r.agn(), Workbench.cpmTerms(r), r.lr(), elapsed / done,
                TimeLeft.format(TimeLeft.estimate(elapsed, done, n - done)));
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
        } else if (done == n || done % Math.max(1, (n + 9) / 10) == 0) {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        long now = loop.session().stepsDone();
        if (now - first < n) {
            out.printf("%s|  stopped after step %d at your request%n", terminal ? System.lineSeparator() : "", now);
        } else if (terminal) {
            out.println();
        }
    }

    @Override
    public void onTrainingFailed(TrainingLoop loop, RuntimeException cause) {
        if (terminal) {
            out.println();
        }
    }
}
