package cpm.train.loop;

import cpm.train.TrainingSession;

/**
 * Something that happens around the steps of a {@link TrainingLoop}, in the manner of DJL's
 * {@code TrainingListener}: logging, checkpoints, evaluation, pictures, progress, stopping. Listeners are called
 * in the order they were given to the loop.
 */
public interface TrainingListener {

    /** Before the first step of a {@link TrainingLoop#run} call. */
    default void onTrainingBegin(TrainingLoop loop) {
    }

    /** After each completed step ({@link TrainingSession#stepsDone()} already counts it). */
    default void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
    }

    /** After the last step, when the loop ended normally (its steps were done or a listener stopped it). */
    default void onTrainingEnd(TrainingLoop loop) {
    }

    /**
     * When a step or a listener threw: the session is still at its last completed step. Called before the
     * exception leaves {@link TrainingLoop#run}; what a listener throws here is added to it as suppressed.
     */
    default void onTrainingFailed(TrainingLoop loop, RuntimeException cause) {
    }
}
