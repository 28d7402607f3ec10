package cpm.spark;

import cpm.cli.ParallelRuns;
import cpm.dsl.RecipeJson;
import cpm.train.Checkpoint;
import cpm.train.EvalParts;
import cpm.train.SessionCheckpoint;
import cpm.train.TrainingSession;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * One part of {@code eval --spark} on an executor: the checkpoint restored into a session of the evaluated recipe,
 * then {@code count} evaluation batches from batch {@code first} scored frame by frame (reading only files, so a
 * retried part simply scores again).
 */
final class EvalTask {

    /** The evaluation (recipe as JSON, checkpoint's absolute path, split, items, silence) and the part's batches. */
    record Spec(String recipe, String checkpoint, String split, int maxItems, boolean silence, int first, int count)
            implements Serializable {
    }

    private EvalTask() {
    }

    static EvalParts.Part run(Spec spec) {
        ExecutorJvm.prepare();
        ParallelRuns.prepareThread();
        Path ck = Path.of(spec.checkpoint());
        Checkpoint c = Checkpoint.read(ck);
        try (TrainingSession s = new TrainingSession(RecipeJson.fromJson(spec.recipe(), ck.toString()))) {
            SessionCheckpoint.restore(s, c, ck);
            return s.evaluatePart(spec.split(), spec.maxItems(), spec.silence(), spec.first(), spec.count());
        }
    }
}
