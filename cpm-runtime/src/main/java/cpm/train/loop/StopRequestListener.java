package cpm.train.loop;

import cpm.train.TrainingSession;

/** Stops the loop at the step boundary after {@link TrainingSession#requestStop()} (Ctrl-C in the REPL). */
public final class StopRequestListener implements TrainingListener {

    @Override
    public void onTrainingBegin(TrainingLoop loop) {
        loop.session().takeStopRequest(); // a request left from before this call does not stop it
    }

    @Override
    public void onStep(TrainingLoop loop, TrainingSession.StepResult result) {
        if (loop.session().takeStopRequest()) {
            loop.stop();
        }
    }
}
