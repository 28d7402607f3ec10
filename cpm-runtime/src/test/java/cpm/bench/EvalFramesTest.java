package cpm.bench;

import ai.djl.ndarray.NDManager;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.train.TrainingSession;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The frames the eval section hands to bench/reference/eval_ref.py are the test split as the evaluation's loader
 * gives it: the header counts them, and the arrays, read back in eval_ref.py's layout, hold the loader's values.
 */
class EvalFramesTest {

    @Test
    void framesFileHoldsTheTestSplitInTheReferenceLayout() throws Exception {
        Recipe r = Presets.get("tiny").with(Map.of("data.testItems", 2, "data.trainItems", 2, "image.size", 64,
                "optim.batchSize", 4, "run.threads", 1));
        Path f = null;
        try (TrainingSession s = new TrainingSession(r)) {
            f = EvalBench.writeFrames(s, r);
            var data = Datasets.open(r, "test");
            int n = data.size();
            int classes = data.classes().size();
            int samples = 16000;
            try (InputStream in = Files.newInputStream(f); DataInputStream d = new DataInputStream(in);
                 BatchLoader loader = new BatchLoader(data, null, r, false, r.run().seed());
                 NDManager m = s.manager().newSubManager()) {
                StringBuilder header = new StringBuilder();
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    header.append((char) c);
                }
                assertEquals("{\"n\": " + n + ", \"size\": 64, \"channels\": 1, \"samples\": " + samples
                        + ", \"classes\": " + classes + "}", header.toString());
                Batch first = loader.next(m);
                float[] images = first.images().toFloatArray();
                for (float v : images) {                       // the first frames' images lead the file
                    assertEquals(v, d.readFloat());
                }
                d.skipNBytes((long) (n - first.size()) * 3 * 64 * 64 * 4);
                for (long v : first.hostLabels()) {
                    assertEquals(v, d.readLong());
                }
                d.skipNBytes((long) (n - first.size()) * 64 * 64 * 8);
                for (float v : first.waves().toFloatArray()) {
                    assertEquals(v, d.readFloat());
                }
                d.skipNBytes((long) (n - first.size()) * samples * 4);
                for (float v : first.hostTags()) {
                    assertEquals(v, d.readFloat());
                }
                long rest = (long) (n - first.size()) * classes * 4;
                assertEquals(rest, d.skip(rest + 1), "the file ends with the last frame's tags");
            }
            assertEquals(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).indexOf('\n') + 1
                    + (long) n * (3 * 64 * 64 * 4 + 64 * 64 * 8 + samples * 4 + classes * 4), Files.size(f));
        } finally {
            if (f != null) {
                Files.deleteIfExists(f);
            }
        }
    }
}
