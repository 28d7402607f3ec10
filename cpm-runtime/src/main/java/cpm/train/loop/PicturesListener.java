package cpm.train.loop;

import cpm.dsl.Recipe;
import cpm.train.History;
import cpm.train.PredictionPictures;
import cpm.train.TrainingSession;

/**
 * The pictures at the end of training, in the run folder's pictures/: the training curves, run.pictures test
 * overlays from distinct clips (image | ground truth | prediction | error map, the per-image IoU in the title)
 * and, with ACP on, the ACP masks of two training items.
 */
public final class PicturesListener implements TrainingListener {

    private final RunFolder folder;
    private final History history;

    public PicturesListener(RunFolder folder, History history) {
        this.folder = folder;
        this.history = history;
    }

    @Override
    public void onTrainingEnd(TrainingLoop loop) {
        draw(loop.session(), history, folder);
    }

    /** Draws the curves, overlays and ACP masks of a session into a run folder. */
    public static void draw(TrainingSession session, History history, RunFolder folder) {
        Recipe r = session.recipe();
        PredictionPictures.curves(history, folder.picture("curves.png"));
        PredictionPictures.overlays(session, "test", r.run().pictures(), folder.pictures());
        if (r.cpm().acp()) {
            PredictionPictures.acpMasks(session, Math.min(2, r.run().pictures()), folder.pictures());
        }
    }
}
