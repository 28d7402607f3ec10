package cpm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.data.Batch;
import cpm.data.Spectrogram;
import cpm.diag.CoverageScore;
import cpm.eval.InferenceMerge;
import cpm.model.AudioFeatures;
import cpm.model.AvsModel;
import cpm.model.DecoderOutput;
import cpm.model.ImageFeatures;

/**
 * Inference (Sec. 3.1): the class-agnostic workflow only (image, clean or silenced audio, N queries), merged into
 * label maps by the paper's rule; CPM adds nothing here. Optionally feeds the coverage score (Fig. 3b) with the
 * predictions after the audio layers.
 */
final class Inference {

    private Inference() {
    }

    static InferenceMerge.Merged predict(AvsModel model, Spectrogram spectrogram, Batch batch, boolean silence,
                                         CoverageScore coverage) {
        JniUtils.setGradMode(false);
        NDArray waves = silence ? batch.waves().zerosLike() : batch.waves();
        NDArray spec = spectrogram.toBackboneInput(spectrogram.magnitude(waves));
        ImageFeatures img = model.encodeImage(batch.images(), false);
        AudioFeatures aud = model.encodeAudio(spec, false);
        DecoderOutput out = model.decodeQueries(img, aud, false);
        if (coverage != null) {
            coverage.add(out.afterAudio().classLogits().softmax(-1), presentClasses(batch.tags()));
        }
        Shape ls = batch.labels().getShape();
        return InferenceMerge.merge(out.last().classLogits().softmax(-1), out.last().maskLogits(), ls.get(1),
                ls.get(2));
    }

    /** The classes tagged as sounding in each image (background excluded). */
    static boolean[][] presentClasses(NDArray tags) {
        float[] t = tags.toFloatArray();
        int b = (int) tags.getShape().get(0);
        int c = (int) tags.getShape().get(1);
        boolean[][] out = new boolean[b][c];
        for (int i = 0; i < b; i++) {
            for (int k = 1; k < c; k++) {
                out[i][k] = t[i * c + k] > 0.5f;
            }
        }
        return out;
    }
}
