package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.data.AudioMixture;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.OffscreenSet;
import cpm.data.Spectrogram;
import cpm.model.AudioFeatures;
import cpm.model.AvsModel;
import cpm.model.DecoderOutput;
import cpm.model.ImageFeatures;

import java.util.ArrayList;
import java.util.List;

/**
 * ACP (Eq. 5) on one training item, for pictures and the REPL: a_p = a_i + a_j, the prompts of the sounding
 * classes, and their masks sigmoid(m_k^a) over time x frequency, computed without gradient on a fresh, seeded
 * training stream (so it never disturbs the session's own data order).
 */
final class AcpExamples {

    private final TrainingSession session;
    private final AvsDataset train;
    private final OffscreenSet noise;

    AcpExamples(TrainingSession session, AvsDataset train, OffscreenSet noise) {
        this.session = session;
        this.train = train;
        this.noise = noise;
    }

    TrainingSession.AcpExample example(int k) {
        var recipe = session.recipe();
        AvsModel model = session.model();
        Spectrogram spectrogram = session.spectrogram();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope(); NDManager m = session.manager().newSubManager();
             BatchLoader l = new BatchLoader(train, noise, recipe, true, (long) recipe.run().seed() + 1)) {
            scope.suppressNotUsedWarning();
            l.seek(k);
            Batch batch = l.next(m);
            int[][] sounding = CpmTasks.soundingClasses(batch.tags().get("0:1"));
            if (sounding[0].length == 0) {
                return null;
            }
            NDArray clean = spectrogram.magnitude(batch.waves().get("0:1"));
            NDArray mix = AudioMixture.mix(clean, spectrogram.magnitude(batch.noise().get("0:1")),
                    (float) recipe.cpm().mixGain());
            NDArray clean1 = clean.sum(new int[] {1}, true);
            NDArray mix1 = mix.sum(new int[] {1}, true);
            NDArray ratio = AudioMixture.ratioMask(clean1, mix1, 1e-6f);
            ImageFeatures img = model.encodeImage(batch.images().get("0:1"), false);
            AudioFeatures aud = model.encodeAudio(spectrogram.toBackboneInput(mix), false);
            long[] cls = java.util.Arrays.stream(sounding[0]).asLongStream().toArray();
            NDArray classIdx = m.create(cls, new Shape(1, cls.length));
            NDArray prompts = session.sampler() != null
                    ? session.sampler().sample(sounding, 1, m, session.stepsDone()) : model.pointPrompts(classIdx);
            DecoderOutput pout = model.decodePrompts(prompts, classIdx, img, aud, false);
            Shape rs = ratio.getShape();
            NDArray masks = ai.djl.nn.Activation.sigmoid(model.audioMasks(pout.last().maskEmbed(), aud, rs.get(2),
                    rs.get(3)));
            List<float[][]> out = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int j = 0; j < cls.length; j++) {
                out.add(grid(masks.get("0, " + j)));
                names.add(session.classes().get((int) cls[j]));
            }
            return new TrainingSession.AcpExample(batch.ids().get(0) + " frame " + batch.frames()[0],
                    grid(mix1.get("0, 0")), grid(ratio.get("0, 0")), out, names);
        }
    }

    private static float[][] grid(NDArray tf) {
        long[] s = tf.getShape().getShape();
        float[] v = tf.toFloatArray();
        float[][] g = new float[(int) s[0]][(int) s[1]];
        for (int t = 0; t < s[0]; t++) {
            System.arraycopy(v, (int) (t * s[1]), g[t], 0, (int) s[1]);
        }
        return g;
    }
}
