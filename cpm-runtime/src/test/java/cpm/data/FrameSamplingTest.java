package cpm.data;

import ai.djl.ndarray.NDManager;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * data.frameSampling randomLabelled: a training epoch visits each clip once with one of its labelled frames drawn
 * at random; the draw is a function of (seed, epoch, position), so the same seed gives the same frames and a
 * loader that seeks to a position continues exactly as an uninterrupted one.
 */
class FrameSamplingTest {

    static final int CLIPS = 6, FRAMES = 5;

    static Recipe recipe(String sampling) {
        return TestRecipes.tiny("image.size", 32, "data.trainItems", CLIPS, "data.testItems", 2,
                "data.framesPerClip", FRAMES, "optim.batchSize", 2, "data.frameSampling", sampling);
    }

    /** (clip id, frame) of each item of the first {@code batches} training batches, from {@code from} on. */
    static List<String> drawn(Recipe r, long seed, long from, int batches) {
        AvsDataset train = Datasets.open(r, "train");
        List<String> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
             BatchLoader l = new BatchLoader(train, null, r, true, seed)) {
            l.seek(from);
            for (int k = 0; k < batches; k++) {
                try (NDManager step = m.newSubManager(); Batch b = l.next(step)) {
                    for (int i = 0; i < b.size(); i++) {
                        out.add(b.ids().get(i) + "#" + b.frames()[i]);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void eachClipOncePerEpochWithARandomLabelledFrameSeededAndResumable() {
        Recipe r = recipe("randomLabelled");
        List<String> run = drawn(r, 42, 0, 9); // 18 items: three epochs of 6 clips
        Set<String> frames = new HashSet<>();
        for (int e = 0; e < 3; e++) {
            Set<String> clips = new HashSet<>();
            for (String s : run.subList(e * CLIPS, (e + 1) * CLIPS)) {
                clips.add(s.substring(0, s.indexOf('#')));
                frames.add(s.substring(s.indexOf('#')));
            }
            assertEquals(CLIPS, clips.size(), "epoch " + e + " visits every clip once: " + run);
        }
        assertTrue(frames.size() >= 3, "frames are drawn, not always the first: " + frames);
        assertEquals(run, drawn(r, 42, 0, 9), "same seed, same frames");
        assertNotEquals(run, drawn(r, 43, 0, 9), "another seed, other frames");
        assertEquals(run.subList(8, 18), drawn(r, 42, 8, 5), "a loader that seeks continues exactly");
    }

    @Test
    void allVisitsEveryLabelledFramePerEpoch() {
        List<String> run = drawn(recipe("all"), 42, 0, CLIPS * FRAMES / 2);
        assertEquals(CLIPS * FRAMES, new HashSet<>(run).size(), run.toString());
    }
}
