package cpm.train.loop;

import cpm.train.TrainingSession;

/**
 * Stops the loop at a step boundary: after {@link TrainingSession#requestStop()} (Ctrl-C in the REPL) the loop ends
 * normally; after {@link TrainingSession#interrupt} (a signal on the command line) it fails with {@link Interrupted},
 * so that the end-of-training work (final evaluation, pictures) is skipped and the failure listeners save a
 * checkpoint of the step reached.
 */
public final class StopRequestListener implements TrainingListener {

    /** The loop ended early because the session was interrupted; the session is at {@link #step()}, complete. */
    public static final class Interrupted extends RuntimeException {
        private final long step;
        private final String reason;

        Interrupted(long step, String reason) {
            super("interrupted by " + reason + " at step " + step);
            this.step = step;
            this.reason = reason;
        }

        public long step() {
            return step;
        }

        /** What {@link TrainingSession#interrupt} was given, e.g. SIGINT. */
        public String reason() {
            return reason;
        }
    }

    @Override
    public void onTrainingBegin(TrainingLoop loop) {
        loop.session().takeStopRequest(); // a request left from before this call does not stop it
        check(loop.session()); // an interruption does: it may have come while the run was being set up
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        check(loop.session());
        if (loop.session().takeStopRequest()) {
            loop.stop();
        }
    }

    private static void check(TrainingSession s) {
        String reason = s.interruption();
        if (reason != null) {
            throw new Interrupted(s.stepsDone(), reason);
        }
    }
}
