package cpm.train;

import cpm.nn.Scalars;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import cpm.data.AudioMixture;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.data.OffscreenSet;
import cpm.data.Spectrogram;
import cpm.diag.CoverageScore;
import cpm.diag.MatchingStability;
import cpm.dsl.Recipe;
import cpm.eval.InferenceMerge;
import cpm.eval.SegmentationMetrics;
import cpm.model.AudioFeatures;
import cpm.model.AvsModel;
import cpm.model.DecoderOutput;
import cpm.model.ImageFeatures;
import cpm.model.LayerOutput;
import cpm.nn.Weights;
import cpm.prompting.AudioConditionalPrompting;
import cpm.prompting.Ccdm;
import cpm.prompting.PromptContrastiveLearning;
import cpm.prompting.PromptSampler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A training run held in memory: the compiled model, its optimiser, the GMM and memory bank, the data order.
 * {@link #step()} runs one training step of the overall objective l = l_agn + lambda (l_ACP + l_VCP + l_PCL)
 * (Sec. 3.2); the CLI loops it, the REPL calls it one step at a time. Each step runs in its own NDScope, so
 * memory stays flat; everything random derives from (run.seed, step), so a resumed run repeats exactly.
 */
public final class TrainingSession implements AutoCloseable {

    /** Loss terms and timings of one step; a term that is off is NaN. */
    public record StepResult(long step, double loss, double agn, double vcp, double acp, double pcl, double lr,
                             double gradNorm, Timings timings) {
    }

    /** Where a step's time went, in milliseconds. */
    public record Timings(double data, double forward, double matching, double gmm, double backward,
                          double optimiser) {
        public double total() {
            return data + forward + matching + gmm + backward + optimiser;
        }
    }

    private final Recipe recipe;
    private final NDManager root;
    private final Weights weights;
    private final AvsModel model;
    private final Spectrogram spectrogram;
    private final HungarianMatcher matcher;
    private final SetCriterion criterion;
    private final AdamW optimiser;
    private final LrSchedule schedule;
    private final Ccdm ccdm;
    private final PromptSampler sampler;
    private final PromptContrastiveLearning pcl;
    private final MatchingStability stability;
    private final AvsDataset train;
    private final OffscreenSet noise;
    private final BatchLoader loader;
    private final int numClasses;
    private final List<String> classes;
    private final long seed;
    private long step;
    private volatile boolean stopRequested;

    public TrainingSession(Recipe recipe) {
        this.recipe = recipe;
        this.seed = recipe.getInt("run.seed");
        Engine engine = Engine.getInstance();
        int threads = recipe.getInt("run.threads");
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        engine.setRandomSeed((int) seed);
        this.root = NDManager.newBaseManager(device(recipe));
        this.train = Datasets.open(recipe, "train");
        this.classes = train.classes();
        this.numClasses = classes.size();
        this.noise = recipe.getBool("cpm.acp") ? Datasets.offscreen(recipe, train) : null;
        this.weights = new Weights(root.newSubManager(), seed);
        this.model = new AvsModel(recipe, numClasses, weights);
        if (recipe.getString("classifier.kind").equals("gmm")) {
            this.ccdm = new Ccdm(recipe, numClasses, seed);
            model.setClassifier(ccdm.classifier());
            this.sampler = new PromptSampler(ccdm.mixture(), seed);
        } else {
            this.ccdm = null;
            this.sampler = null;
        }
        this.pcl = recipe.getBool("cpm.pcl")
                ? new PromptContrastiveLearning(weights.child("pcl"), recipe.getInt("decoder.hiddenDim"),
                recipe.getInt("queries.dim"), recipe.getInt("queries.dim"), recipe.getDouble("cpm.tau"),
                recipe.getInt("cpm.pclPixels"), seed)
                : null;
        this.spectrogram = new Spectrogram(recipe);
        this.matcher = new HungarianMatcher(recipe, seed);
        this.criterion = new SetCriterion(recipe, numClasses, seed);
        this.optimiser = new AdamW(weights, recipe.getDouble("optim.weightDecay"), recipe.getDouble("optim.gradClip"),
                Map.of("backbone", recipe.getDouble("optim.backboneLrMultiplier")));
        this.schedule = new LrSchedule(recipe);
        this.stability = new MatchingStability(recipe.getInt("queries.count"), numClasses);
        this.loader = new BatchLoader(train, noise, recipe, true, seed);
        if (!recipe.getString("image.pretrained").isEmpty()) {
            model.loadPretrained(java.nio.file.Path.of(recipe.getString("image.pretrained")));
        }
        if (!recipe.getString("audio.pretrained").isEmpty()) {
            model.loadPretrainedAudio(java.nio.file.Path.of(recipe.getString("audio.pretrained")));
        }
    }

    static Device device(Recipe r) {
        String d = r.getString("run.device");
        int gpus = Engine.getInstance().getGpuCount();
        if (d.equals("gpu") && gpus == 0) {
            throw new IllegalArgumentException("run.device: found gpu, expected cpu or auto (no GPU is visible)");
        }
        return (d.equals("gpu") || (d.equals("auto") && gpus > 0)) ? Device.gpu() : Device.cpu();
    }

    public Recipe recipe() {
        return recipe;
    }

    public AvsModel model() {
        return model;
    }

    public Weights weights() {
        return weights;
    }

    public AdamW optimiser() {
        return optimiser;
    }

    /** The CCDM state, or null with the softmax classifier. */
    public Ccdm ccdm() {
        return ccdm;
    }

    public PromptSampler sampler() {
        return sampler;
    }

    public MatchingStability stability() {
        return stability;
    }

    public Spectrogram spectrogram() {
        return spectrogram;
    }

    public HungarianMatcher matcher() {
        return matcher;
    }

    public BatchLoader loader() {
        return loader;
    }

    public List<String> classes() {
        return classes;
    }

    public int numClasses() {
        return numClasses;
    }

    public NDManager manager() {
        return root;
    }

    /** Steps completed. */
    public long stepsDone() {
        return step;
    }

    public void setStepsDone(long s) {
        this.step = s;
    }

    /** Asks a running loop to stop at the next step boundary (Ctrl-C in the REPL). */
    public void requestStop() {
        stopRequested = true;
    }

    public boolean takeStopRequest() {
        boolean s = stopRequested;
        stopRequested = false;
        return s;
    }

    private static final double NS = 1e6;

    /**
     * One training step. Throws {@link NonFiniteLossException} before anything is updated when a loss term or the
     * global gradient norm is not finite (the step count, weights, moments and GMM stay those of the last good step).
     */
    public StepResult step() {
        JniUtils.setGradMode(false);
        long t0 = System.nanoTime();
        double lr = schedule.at(step);
        StepResult result;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDManager m = root.newSubManager();
            long position = loader.position();
            try {
                Batch batch = loader.next(m);
                model.reseedDropout(seed * 1_000_037L + step);
                long t1 = System.nanoTime();
                double tMatch = 0;
                double tGmm = 0;
                Losses losses;
                long t2;
                Forward f;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    f = forward(batch, m);
                    long tm0 = System.nanoTime();
                    losses = agnosticLoss(f, batch);
                    tMatch = (System.nanoTime() - tm0) / NS;
                    boolean cpmNow = recipe.cpmOn() && step >= recipe.getInt("cpm.warmupSteps");
                    if (cpmNow) {
                        cpmLosses(f, batch, losses, m);
                    }
                    NDArray total = losses.total();
                    checkFinite(losses, batch);
                    t2 = System.nanoTime();
                    gc.backward(total);
                }
                long t3 = System.nanoTime();
                double gradNorm = optimiser.gradNorm();
                if (!Double.isFinite(gradNorm)) {
                    // checked before the update, so parameters and moments stay those of the last good step
                    throw new NonFiniteLossException(step, "gradient", batch.ids(), Map.of("loss", losses.totalValue,
                            "loss_agn", losses.agnValue, "loss_vcp", losses.vcpValue, "loss_acp", losses.acpValue,
                            "loss_pcl", losses.pclValue, "grad_norm", gradNorm));
                }
                // the step is good: only now does it change the memory bank, the STS window and the parameters
                double tObserve = 0;
                if (ccdm != null) {
                    long tg = System.nanoTime();
                    ccdm.observe(f.out.last().maskEmbed(), losses.assigned);
                    tObserve = (System.nanoTime() - tg) / NS;
                    tGmm += tObserve;
                }
                recordStability(batch, losses.assigned);
                optimiser.apply(lr, gradNorm);
                long t4 = System.nanoTime();
                if (ccdm != null) {
                    long tg = System.nanoTime();
                    ccdm.maybeUpdate(step + 1);
                    tGmm += (System.nanoTime() - tg) / NS;
                }
                // gmm: observing the bank and the EM update; optimiser: the norm check and the AdamW update
                Timings timings = new Timings((t1 - t0) / NS, (t2 - t1) / NS - tMatch, tMatch, tGmm,
                        (t3 - t2) / NS, (t4 - t3) / NS - tObserve);
                result = new StepResult(step, losses.totalValue, losses.agnValue, losses.vcpValue, losses.acpValue,
                        losses.pclValue, lr, gradNorm, timings);
            } catch (NonFiniteLossException e) {
                optimiser.zeroGradients();
                loader.seek(position); // a failed step consumes nothing: the session stays at the last good step
                throw e;
            } finally {
                m.close();
            }
        }
        step++;
        return result;
    }

    /** The outputs of the class-agnostic workflow for a batch. */
    record Forward(NDArray spec, NDArray magnitude, ImageFeatures img, AudioFeatures aud, DecoderOutput out,
                   Targets targets) {
    }

    private Forward forward(Batch batch, NDManager m) {
        NDArray mag = spectrogram.magnitude(batch.waves());
        NDArray spec = spectrogram.toBackboneInput(mag);
        ImageFeatures img = model.encodeImage(batch.images(), true);
        AudioFeatures aud = model.encodeAudio(spec, true);
        DecoderOutput out = model.decodeQueries(img, aud, true);
        Shape ms = out.last().maskLogits().getShape();
        Targets targets = Targets.fromLabels(batch.labels(), numClasses, ms.get(2), ms.get(3));
        return new Forward(spec, mag, img, aud, out, targets);
    }

    /** Loss terms of a step, as tensors (for the gradient) and as numbers (for the log). */
    static final class Losses {
        NDArray agn;
        NDArray vcp;
        NDArray acp;
        NDArray pcl;
        int[][] assigned;
        double totalValue;
        double agnValue = Double.NaN;
        double vcpValue = Double.NaN;
        double acpValue = Double.NaN;
        double pclValue = Double.NaN;
        float lambda;
        float wVcp;
        float wAcp;
        float wPcl;

        NDArray total() {
            NDArray t = agn;
            NDArray cpm = null;
            if (vcp != null) {
                cpm = vcp.mul(Scalars.of(wVcp));
            }
            if (acp != null) {
                cpm = cpm == null ? acp.mul(Scalars.of(wAcp)) : cpm.add(acp.mul(Scalars.of(wAcp)));
            }
            if (pcl != null) {
                cpm = cpm == null ? pcl.mul(Scalars.of(wPcl)) : cpm.add(pcl.mul(Scalars.of(wPcl)));
            }
            if (cpm != null) {
                t = t.add(cpm.mul(Scalars.of(lambda)));
            }
            agnValue = agn.getFloat();
            vcpValue = vcp == null ? Double.NaN : vcp.getFloat();
            acpValue = acp == null ? Double.NaN : acp.getFloat();
            pclValue = pcl == null ? Double.NaN : pcl.getFloat();
            totalValue = t.getFloat();
            return t;
        }
    }

    /** l_agn (Sec. 3.1): Hungarian matching and CE + focal + dice on every decoder layer (deep supervision). */
    private Losses agnosticLoss(Forward f, Batch batch) {
        Losses l = new Losses();
        l.lambda = recipe.getFloat("cpm.lambda");
        l.wVcp = recipe.getFloat("cpm.vcpWeight");
        l.wAcp = recipe.getFloat("cpm.acpWeight");
        l.wPcl = recipe.getFloat("cpm.pclWeight");
        matcher.reseed(seed * 1_000_003L + step);
        criterion.reseed(seed * 1_000_033L + step);
        List<NDArray> cls = new ArrayList<>();
        List<NDArray> masks = new ArrayList<>();
        for (LayerOutput layer : f.out.layers()) {
            cls.add(layer.classLogits());
            masks.add(layer.maskLogits());
        }
        SetCriterion.DeepLoss deep;
        try {
            deep = criterion.deepLoss(cls, masks, f.targets, matcher);
        } catch (HungarianMatcher.NonFiniteCostException e) {
            // non-finite outputs reach the matcher as non-finite costs: report them as a non-finite l_agn
            throw new NonFiniteLossException(step, "loss_agn", batch.ids(), Map.of("loss_agn", Double.NaN));
        }
        l.agn = deep.terms().total();
        Matching lastMatch = deep.lastMatching();
        l.assigned = assignedClasses(lastMatch, f.targets, recipe.getInt("queries.count"));
        return l;
    }

    /** For each image and query, the class it was matched to, or numClasses (no-object). */
    int[][] assignedClasses(Matching match, Targets targets, int queries) {
        int[][] a = new int[targets.batchSize()][queries];
        for (int b = 0; b < a.length; b++) {
            java.util.Arrays.fill(a[b], numClasses);
            int[] cls = targets.classes(b);
            for (int i = 0; i < match.queryIndex()[b].length; i++) {
                a[b][match.queryIndex()[b][i]] = cls[match.targetIndex()[b][i]];
            }
        }
        return a;
    }

    private void recordStability(Batch batch, int[][] assigned) {
        for (int b = 0; b < assigned.length; b++) {
            stability.record(batch.ids().get(b) + "#" + batch.frames()[b], assigned[b]);
        }
    }

    /** The sounding classes K = {k : t_i(k) = 1} of each image (background excluded). */
    static int[][] soundingClasses(NDArray tags) {
        float[] t = tags.toFloatArray();
        int b = (int) tags.getShape().get(0);
        int c = (int) tags.getShape().get(1);
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

    /** The CPM workflow (Fig. 2, orange): prompts for the sounding classes on the mixed audio; VCP, ACP, PCL. */
    private void cpmLosses(Forward f, Batch batch, Losses l, NDManager m) {
        int[][] sounding = soundingClasses(batch.tags());
        int per = recipe.getInt("cpm.promptsPerClass");
        int kmax = 0;
        for (int[] s : sounding) {
            kmax = Math.max(kmax, s.length * per);
        }
        if (kmax == 0) {
            return;
        }
        int b = sounding.length;
        long[] cls = new long[b * kmax];
        float[] valid = new float[b * kmax];
        int[][] promptClasses = new int[b][kmax];
        int[][] targetIndex = new int[b][kmax];
        for (int i = 0; i < b; i++) {
            int[] present = f.targets.classes(i);
            java.util.Arrays.fill(targetIndex[i], SetCriterion.IGNORE);
            for (int j = 0; j < sounding[i].length * per; j++) {
                int k = sounding[i][j / per];
                targetIndex[i][j] = -1;
                cls[i * kmax + j] = k;
                valid[i * kmax + j] = 1f;
                promptClasses[i][j] = k;
                for (int t = 0; t < present.length; t++) {
                    if (present[t] == k) {
                        targetIndex[i][j] = t;
                    }
                }
            }
        }
        NDArray classIdx = m.create(cls, new Shape(b, kmax));
        NDArray validMask = m.create(valid, new Shape(b, kmax));
        NDArray prompts;
        if (sampler != null) {
            prompts = sampler.sample(sounding, per, m, step).stopGradient();
        } else {
            prompts = model.pointPrompts(classIdx);
        }
        NDArray mixMag = null;
        NDArray ratio = null;
        AudioFeatures audMix = f.aud;
        if (recipe.getBool("cpm.acp") && batch.noise() != null) {
            NDArray noiseMag = spectrogram.magnitude(batch.noise());
            mixMag = AudioMixture.mix(f.magnitude, noiseMag, recipe.getFloat("cpm.mixGain"));
            NDArray clean1 = f.magnitude.sum(new int[] {1}, true);
            NDArray mix1 = mixMag.sum(new int[] {1}, true);
            ratio = AudioMixture.ratioMask(clean1, mix1, 1e-6f);
            audMix = model.encodeAudio(spectrogram.toBackboneInput(mixMag), true);
        }
        DecoderOutput pout = model.decodePrompts(prompts, classIdx, f.img, audMix, true);
        if (recipe.getBool("cpm.vcp")) {
            List<LayerOutput> layers = recipe.getBool("loss.deepSupervision") ? pout.layers() : List.of(pout.last());
            NDArray sum = null;
            for (LayerOutput layer : layers) {
                LossTerms t = criterion.directLoss(layer.classLogits(), layer.maskLogits(), f.targets, targetIndex);
                sum = sum == null ? t.total() : sum.add(t.total());
            }
            l.vcp = sum;
        }
        if (ratio != null) {
            Shape rs = ratio.getShape();
            NDArray am = model.audioMasks(pout.last().maskEmbed(), audMix, rs.get(2), rs.get(3));
            l.acp = AudioConditionalPrompting.loss(am, validMask, ratio);
            if (pcl != null) {
                Shape ps = f.img.maskFeatures().getShape();
                NDArray labels = resizeLabels(batch.labels(), ps.get(2), ps.get(3));
                l.pcl = pcl.loss(am, audMix.featureMap(), f.img.maskFeatures(), labels, promptClasses, validMask, step);
            }
        }
    }

    /** Nearest-neighbour resize of (B,H,W) int64 labels. */
    static NDArray resizeLabels(NDArray labels, long h, long w) {
        NDArray x = labels.toType(DataType.FLOAT32, false).expandDims(1);
        NDArray r = x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
        return r.squeeze(1).toType(DataType.INT64, false);
    }

    private void checkFinite(Losses l, Batch batch) {
        String bad = null;
        if (!Double.isFinite(l.agnValue)) {
            bad = "loss_agn";
        } else if (l.vcp != null && !Double.isFinite(l.vcpValue)) {
            bad = "loss_vcp";
        } else if (l.acp != null && !Double.isFinite(l.acpValue)) {
            bad = "loss_acp";
        } else if (l.pcl != null && !Double.isFinite(l.pclValue)) {
            bad = "loss_pcl";
        }
        if (bad != null) {
            throw new NonFiniteLossException(step, bad, batch.ids(), Map.of("loss_agn", l.agnValue, "loss_vcp",
                    l.vcpValue, "loss_acp", l.acpValue, "loss_pcl", l.pclValue));
        }
    }

    /** Evaluation results: means, per-class scores, coverage, and the protocol they were computed under. */
    public record EvalResult(String split, String protocol, double miou, double fbeta, int images,
                             List<SegmentationMetrics.ClassScore> perClass, double coverage, boolean silenced) {
    }

    /** Evaluates on a split; {@code silence} zeroes the audio (the benchmark must need it). */
    public EvalResult evaluate(String split, int maxItems, boolean silence) {
        return new Evaluator(this).run(split, maxItems, silence);
    }

    /** Inference on a batch: merged label maps and foreground probabilities at the label resolution. */
    public InferenceMerge.Merged predict(Batch batch, boolean silence, CoverageScore coverage) {
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

    /** ACP on one training item: the mixture's spectrogram, the ratio-mask target and each prompt's mask. */
    public record AcpExample(String item, float[][] mixture, float[][] target, List<float[][]> masks,
                             List<String> names) {
    }

    /**
     * Runs the CPM audio workflow (Eq. 5) without gradient on item {@code k} of a fresh, seeded training stream:
     * a_p = a_i + a_j, prompts of the sounding classes, their masks sigmoid(m_k^a) over time x frequency.
     * Returns null when ACP is off or the item has no sounding class.
     */
    public AcpExample acpExample(int k) {
        if (noise == null) {
            return null;
        }
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager();
             BatchLoader l = new BatchLoader(train, noise, recipe, true, seed + 1)) {
            scope.suppressNotUsedWarning();
            l.seek(k);
            Batch batch = l.next(m);
            int[][] sounding = soundingClasses(batch.tags().get("0:1"));
            if (sounding[0].length == 0) {
                return null;
            }
            NDArray clean = spectrogram.magnitude(batch.waves().get("0:1"));
            NDArray mix = AudioMixture.mix(clean, spectrogram.magnitude(batch.noise().get("0:1")),
                    recipe.getFloat("cpm.mixGain"));
            NDArray clean1 = clean.sum(new int[] {1}, true);
            NDArray mix1 = mix.sum(new int[] {1}, true);
            NDArray ratio = AudioMixture.ratioMask(clean1, mix1, 1e-6f);
            ImageFeatures img = model.encodeImage(batch.images().get("0:1"), false);
            AudioFeatures aud = model.encodeAudio(spectrogram.toBackboneInput(mix), false);
            long[] cls = java.util.Arrays.stream(sounding[0]).asLongStream().toArray();
            NDArray classIdx = m.create(cls, new Shape(1, cls.length));
            NDArray prompts = sampler != null ? sampler.sample(sounding, 1, m, step) : model.pointPrompts(classIdx);
            DecoderOutput pout = model.decodePrompts(prompts, classIdx, img, aud, false);
            Shape rs = ratio.getShape();
            NDArray masks = ai.djl.nn.Activation.sigmoid(model.audioMasks(pout.last().maskEmbed(), aud, rs.get(2),
                    rs.get(3)));
            List<float[][]> out = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int j = 0; j < cls.length; j++) {
                out.add(grid(masks.get("0, " + j)));
                names.add(classes.get((int) cls[j]));
            }
            return new AcpExample(batch.ids().get(0) + " frame " + batch.frames()[0], grid(mix1.get("0, 0")),
                    grid(ratio.get("0, 0")), out, names);
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

    @Override
    public void close() {
        loader.close();
        root.close();
    }
}
