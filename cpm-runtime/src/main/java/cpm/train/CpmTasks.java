package cpm.train;

import cpm.nn.HostCopies;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import cpm.data.AudioMixture;
import cpm.data.Batch;
import cpm.data.Spectrogram;
import cpm.dsl.Sections;
import cpm.model.AudioFeatures;
import cpm.model.AvsModel;
import cpm.model.DecoderOutput;
import cpm.prompting.AudioConditionalPrompting;
import cpm.prompting.PromptContrastiveLearning;
import cpm.prompting.PromptSampler;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPM workflow of one training step (Fig. 2, orange): class-conditional prompts for the sounding classes
 * (drawn from the GMM, or the learned point representation with the softmax classifier), decoded on the image and
 * on the mixed audio a_p = a_i + a_j, then the three tasks: VCP (Eq. 6), ACP (Eq. 5) and PCL (Eq. 7-9). The terms
 * go into {@link CpmObjective.Terms}; their weights are applied there.
 */
final class CpmTasks {

    private final Sections.Cpm cpm;
    private final AvsModel model;
    private final Spectrogram spectrogram;
    private final PromptSampler sampler;
    private final VisualConditionalPrompting vcp;
    private final PromptContrastiveLearning pcl;
    private final boolean acpL2;

    CpmTasks(Sections.Cpm cpm, AvsModel model, Spectrogram spectrogram, PromptSampler sampler,
             VisualConditionalPrompting vcp, PromptContrastiveLearning pcl) {
        this.cpm = cpm;
        this.model = model;
        this.spectrogram = spectrogram;
        this.sampler = sampler;
        this.vcp = vcp;
        this.pcl = pcl;
        this.acpL2 = cpm.acpLoss().equals("l2");
    }

    /** Adds l_VCP, l_ACP and l_PCL (those switched on) of the batch to {@code terms}. */
    void losses(TrainingSession.Forward f, Batch batch, CpmObjective.Terms terms, NDManager m, long step) {
        int[][] sounding = soundingClasses(batch.hostTags(), batch.size(), (int) batch.tags().getShape().get(1));
        int per = cpm.promptsPerClass();
        int[][] promptClasses = PromptSampler.promptClasses(sounding, per);
        int kmax = promptClasses.length == 0 ? 0 : promptClasses[0].length;
        boolean any = false;
        for (int[] s : sounding) {
            any |= s.length > 0;
        }
        if (!any) {
            return;
        }
        int b = sounding.length;
        long[] cls = new long[b * kmax];
        float[] valid = new float[b * kmax];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < kmax; j++) {
                cls[i * kmax + j] = Math.max(promptClasses[i][j], 0);
                valid[i * kmax + j] = promptClasses[i][j] >= 0 ? 1f : 0f;
            }
        }
        NDArray classIdx = m.create(cls, new Shape(b, kmax));
        NDArray validMask = m.create(valid, new Shape(b, kmax));
        NDArray prompts = sampler != null ? sampler.sample(sounding, per, m, step).stopGradient()
                : model.pointPrompts(classIdx);
        NDArray ratio = null;
        AudioFeatures audMix = f.aud();
        if (cpm.acp() && batch.noise() != null) {
            NDArray noiseMag = spectrogram.magnitude(batch.noise());
            NDArray mixMag = AudioMixture.mix(f.magnitude(), noiseMag, (float) cpm.mixGain());
            NDArray clean1 = f.magnitude().sum(new int[] {1}, true);
            NDArray mix1 = mixMag.sum(new int[] {1}, true);
            ratio = AudioMixture.ratioMask(clean1, mix1, 1e-6f);
            audMix = model.encodeAudio(spectrogram.toBackboneInput(mixMag), true);
        }
        DecoderOutput pout = model.decodePrompts(prompts, classIdx, f.img(), audMix, true);
        if (cpm.vcp()) {
            terms.vcp = vcp.loss(pout.layers(), f.targets(), promptClasses);
        }
        if (ratio != null) {
            Shape rs = ratio.getShape();
            NDArray am = model.audioMasks(pout.last().maskEmbed(), audMix, rs.get(2), rs.get(3));
            terms.acp = AudioConditionalPrompting.loss(am, validMask, ratio, acpL2);
            if (pcl != null) {
                Shape ps = f.img().maskFeatures().getShape();
                NDArray labels = resizeLabels(batch.labels(), ps.get(2), ps.get(3));
                terms.pcl = pcl.loss(am, audMix.featureMap(), f.img().maskFeatures(), labels, promptClasses,
                        validMask, step);
            }
        }
    }

    /** The sounding classes K = {k : t_i(k) = 1} of each image (background excluded). */
    static int[][] soundingClasses(NDArray tags) {
        return soundingClasses(HostCopies.floats("tasks.tags", tags), (int) tags.getShape().get(0),
                (int) tags.getShape().get(1));
    }

    /** As {@link #soundingClasses(NDArray)} from the tags' host copy, (b*c) row-major. */
    static int[][] soundingClasses(float[] t, int b, int c) {
        int[][] out = new int[b][];
        for (int i = 0; i < b; i++) {
            List<Integer> ks = new ArrayList<>();
            for (int k = 1; k < c; k++) {
                if (t[i * c + k] > 0.5f) {
                    ks.add(k);
                }
            }
            out[i] = ks.stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** Nearest-neighbour resize of (B,H,W) int64 labels. */
    static NDArray resizeLabels(NDArray labels, long h, long w) {
        NDArray x = labels.toType(DataType.FLOAT32, false).expandDims(1);
        NDArray r = x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
        return r.squeeze(1).toType(DataType.INT64, false);
    }
}
