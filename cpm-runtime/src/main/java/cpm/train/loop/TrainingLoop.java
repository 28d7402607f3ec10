package cpm.train.loop;

import cpm.train.TrainingSession;

import java.util.List;

/**
 * The one training loop, in the manner of DJL's {@code EasyTrain.fit}: steps a {@link TrainingSession} until a
 * step count, and leaves everything around the steps to {@link TrainingListener}s (history and STS windows,
 * checkpoints, evaluation, pictures, the progress bar, stop requests). {@code ./cpm train}, {@code ./cpm ablate}
 * and the REPL's {@code :step} all run it, so the same recipe, seed and steps give the same history everywhere.
 */
public final class TrainingLoop {

    private final TrainingSession session;
    private final List<TrainingListener> listeners;
    private long untilStep;
    private boolean stopRequested;

    public TrainingLoop(TrainingSession session, List<TrainingListener> listeners) {
        this.session = session;
        this.listeners = List.copyOf(listeners);
    }

    public TrainingSession session() {
        return session;
    }

    /** The step count the current {@link #run} call trains to. */
    public long untilStep() {
        return untilStep;
    }

    /** Asks the loop to stop after the current step's listeners (at a step boundary). */
    public void stop() {
        stopRequested = true;
    }

    /** Trains until {@code untilStep} steps are done or a listener stops the loop; returns the steps run. */
    public long run(long untilStep) {
        this.untilStep = untilStep;
        this.stopRequested = false;
        long start = session.stepsDone();
        try {
            listeners.forEach(l -> l.onTrainingBegin(this));
            while (session.stepsDone() < untilStep && !stopRequested) {
                TrainingSession.StepResult result = session.step();
                for (TrainingListener l : listeners) {
                    l.onStep(this, result);
                }
            }
        } catch (RuntimeException e) {
            for (TrainingListener l : listeners) {
                try {
                    l.onTrainingFailed(this, e);
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
        listeners.forEach(l -> l.onTrainingEnd(this));
        return session.stepsDone() - start;
    }
}
