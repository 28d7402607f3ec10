package cpm.diag;

/**
 * When a {@link MatchingStability} window closes during training: the score is read and the window cleared every
 * {@code min(steps per epoch, 100)} steps, on a logged step (every {@code logInterval} steps), and at the run's
 * last step. The window is at least one log interval long, so each measured score covers the same number of
 * steps whatever calls the loop. It depends on the step only, not on where a call stops, so a run stopped and
 * resumed measures exactly what an uninterrupted one does (the open window is checkpointed).
 */
public final class StsWindow {

    /** The longest window, in steps. */
    public static final int MAX_STEPS = 100;

    private final int logInterval;
    private final int steps;
    private final long lastStep;

    /**
     * @param logInterval steps between history rows (run.logInterval)
     * @param stepsPerEpoch training frames / batch size (at least 1 is used)
     * @param lastStep the run's planned length (optim.steps); its step always closes a window
     */
    public StsWindow(int logInterval, long stepsPerEpoch, long lastStep) {
        if (logInterval < 1) {
            throw new IllegalArgumentException("run.logInterval: found " + logInterval + ", expected >= 1");
        }
        this.logInterval = logInterval;
        this.steps = (int) Math.min(Math.max(1, stepsPerEpoch), MAX_STEPS);
        this.lastStep = lastStep;
    }

    /** The window length in steps before the log interval is applied: min(steps per epoch, 100). */
    public int steps() {
        return steps;
    }

    /** Whether step {@code done} (steps completed) is logged: every logInterval steps and the last one. */
    public boolean logged(long done) {
        return done % logInterval == 0 || done == lastStep;
    }

    /** Whether the window closes after step {@code done}: the STS is read and the window cleared. */
    public boolean closes(long done) {
        return done == lastStep || (done % logInterval == 0 && done % Math.max(logInterval, steps) == 0);
    }

    /** Reads the score of a closing window and clears it. */
    public static double close(MatchingStability stability) {
        double sts = stability.score();
        stability.reset();
        return sts;
    }
}
