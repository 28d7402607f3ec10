package cpm.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.CpuKernels;
import cpm.data.AvsDataset;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.data.OffscreenSet;
import cpm.data.Spectrogram;
import cpm.diag.CoverageScore;
import cpm.diag.MatchingStability;
import cpm.dsl.Recipe;
import cpm.dsl.Sections;
import cpm.eval.SegmentationMetrics;
import cpm.eval.InferenceMerge;
import cpm.model.AudioFeatures;
import cpm.model.AvsModel;
import cpm.model.DecoderOutput;
import cpm.model.ImageFeatures;
import cpm.model.LayerOutput;
import cpm.nn.Precision;
import cpm.nn.Weights;
import cpm.prompting.Ccdm;
import cpm.prompting.GmmDiagnostics;
import cpm.prompting.PromptContrastiveLearning;
import cpm.prompting.PromptSampler;

import java.util.List;
import java.util.Map;

/**
 * A training run held in memory: the compiled model, its optimiser, the GMM and memory bank, the data order.
 * {@link #step()} runs one training step: the class-agnostic workflow and l_agn here, the CPM workflow in
 * {@link CpmTasks}, the weighted objective of Sec. 3.2 in {@link CpmObjective}; the training loop calls it. Each step runs in its own NDScope, so
 * memory stays flat; everything random derives from (run.seed, step), so a resumed run repeats exactly.
 */
public final class TrainingSession implements AutoCloseable {

    /**
     * Loss terms, each CPM task's share of the weighted objective, and timings of one step; a term that is off is
     * NaN. {@code gmm} holds the CCDM diagnostics on steps that end a log interval (run.logInterval), else null.
     */
    public record StepResult(long step, double loss, double agn, double vcp, double acp, double pcl, double lr,
                             double gradNorm, Timings timings, double shareVcp, double shareAcp, double sharePcl,
                             GmmDiagnostics gmm) {
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
    private final AgnosticLoss agnostic;
    private final CpmObjective objective;
    private final CpmTasks tasks;
    private final AdamW optimiser;
    private final LrSchedule schedule;
    private final Ccdm ccdm;
    private final PromptSampler sampler;
    private final MatchingStability stability;
    private final AvsDataset train;
    private final OffscreenSet noise;
    private final BatchLoader loader;
    private final int numClasses;
    private final List<String> classes;
    private final long seed;
    private long step;
    private volatile boolean stopRequested;
    private final List<java.util.function.Consumer<StepResult>> stepObservers =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String interruption;

    public TrainingSession(Recipe recipe) {
        this.recipe = recipe;
        Sections.Run run = recipe.run();
        Sections.Classifier cls = recipe.classifier();
        Sections.Cpm cpm = recipe.cpm();
        this.seed = run.seed();
        Engine engine = Engine.getInstance();
        CpuKernels.disableNnpack();
        Device device = device(recipe);
        if (CpuKernels.needed(recipe.image().backbone(), !device.isGpu())) {
            CpuKernels.apply(System.err); // oneDNN's SIGFPE in ResNet-50's backward on some CPUs
        }
        if (run.threads() > 0) {
            JniUtils.setNumThreads(run.threads());
        }
        engine.setRandomSeed((int) seed);
        this.root = NDManager.newBaseManager(device);
        this.train = Datasets.open(recipe, "train");
        this.classes = train.classes();
        this.numClasses = classes.size();
        this.noise = cpm.acp() ? Datasets.offscreen(recipe, train) : null;
        this.weights = new Weights(root.newSubManager(), seed);
        this.model = new AvsModel(recipe, numClasses, weights);
        if (cls.gmm()) {
            this.ccdm = new Ccdm(cls, recipe.gmmDim(), numClasses,
                    weights.child("gmm").group("gmm"), seed);
            model.setClassifier(ccdm.classifier());
            this.sampler = new PromptSampler(ccdm.mixture(), seed, cpm.promptSampling().equals("fitted"));
        } else {
            this.ccdm = null;
            this.sampler = null;
        }
        int hidden = recipe.decoder().hiddenDim();
        int dq = recipe.queries().dim();
        PromptContrastiveLearning pcl = cpm.pcl()
                ? new PromptContrastiveLearning(weights.child("pcl"), hidden, dq, dq, cpm.tau(), cpm.pclPixels(), seed,
                cpm.pclNegatives().equals("batch"))
                : null;
        this.spectrogram = new Spectrogram(recipe);
        this.matcher = new HungarianMatcher(recipe, seed);
        SetCriterion criterion = new SetCriterion(recipe, numClasses, seed);
        this.objective = new CpmObjective(cpm);
        this.agnostic = new AgnosticLoss(matcher, criterion, numClasses, recipe.queries().count(), seed);
        this.tasks = new CpmTasks(cpm, model, spectrogram, sampler,
                new VisualConditionalPrompting(criterion, recipe.loss().deepSupervision()), pcl);
        Sections.Optim optim = recipe.optim();
        this.optimiser = new AdamW(weights, optim.weightDecay(), optim.gradClip(),
                Map.of("backbone", optim.backboneLrMultiplier(), "gmm", cls.lrMultiplier()));
        this.schedule = new LrSchedule(recipe);
        this.stability = new MatchingStability(recipe.queries().count(), numClasses);
        this.loader = new BatchLoader(train, noise, recipe, true, seed); // AvsModel loaded image/audio.pretrained
    }

    static Device device(Recipe r) {
        return Devices.choose(r.run(), Engine.getInstance().getGpuCount());
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

    /**
     * Calls {@code observer} after every completed step, however it was taken (a training loop, or {@link #step}
     * called from a REPL snippet), so a log kept by the observer misses none.
     */
    public void addStepObserver(java.util.function.Consumer<StepResult> observer) {
        stepObservers.add(observer);
    }

    public void removeStepObserver(java.util.function.Consumer<StepResult> observer) {
        stepObservers.remove(observer);
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

    /**
     * Asks a running loop to end at the next step boundary as interrupted (a signal on the command line): unlike
     * {@link #requestStop()} it is kept until the session closes, so it also ends a loop that starts later.
     */
    public void interrupt(String reason) {
        interruption = reason;
    }

    /** Why {@link #interrupt} was called, or null. */
    public String interruption() {
        return interruption;
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
        try (NDScope scope = new NDScope(); Precision.Scope precision = Precision.use(recipe.run().precision())) {
            scope.suppressNotUsedWarning();
            NDManager m = root.newSubManager();
            long position = loader.position();
            try {
                Batch batch = loader.next(m);
                model.reseedDropout(seed * 1_000_037L + step);
                long t1 = System.nanoTime();
                double tMatch = 0;
                double tGmm = 0;
                CpmObjective.Terms terms;
                CpmObjective.Values values;
                long t2;
                Forward f;
                try (Autograd gc = Autograd.record()) { // per thread: trainings may run side by side
                    f = forward(batch, m);
                    long tm0 = System.nanoTime();
                    terms = agnostic.terms(f.out(), f.targets(), batch, step);
                    tMatch = (System.nanoTime() - tm0) / NS;
                    if (recipe.cpmOn() && step >= recipe.cpm().warmupSteps()) {
                        tasks.losses(f, batch, terms, m, step);
                    }
                    NDArray total = objective.total(terms);
                    values = objective.values(terms, total);
                    CpmObjective.checkFinite(terms, values, step, batch.ids());
                    t2 = System.nanoTime();
                    gc.backward(total);
                }
                long t3 = System.nanoTime();
                double gradNorm = optimiser.gradNorm();
                if (!Double.isFinite(gradNorm)) {
                    // checked before the update, so parameters and moments stay those of the last good step
                    throw new NonFiniteLossException(step, "gradient", batch.ids(), Map.of("loss", values.total(),
                            "loss_agn", values.agn(), "loss_vcp", values.vcp(), "loss_acp", values.acp(),
                            "loss_pcl", values.pcl(), "grad_norm", gradNorm));
                }
                // the step is good: only now does it change the memory bank, the STS window and the parameters
                double tObserve = 0;
                if (ccdm != null) {
                    long tg = System.nanoTime();
                    LayerOutput last = f.out.last();
                    ccdm.observe(ccdm.classifier().feature(last.queries(), last.maskEmbed()), last.classLogits(),
                            terms.assigned);
                    tObserve = (System.nanoTime() - tg) / NS;
                    tGmm += tObserve;
                }
                recordStability(batch, terms.assigned);
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
                result = new StepResult(step, values.total(), values.agn(), values.vcp(), values.acp(),
                        values.pcl(), lr, gradNorm, timings, values.shareVcp(), values.shareAcp(),
                        values.sharePcl(), diagnosticsDue() ? gmmDiagnostics() : null);
            } catch (NonFiniteLossException e) {
                optimiser.zeroGradients();
                loader.seek(position); // a failed step consumes nothing: the session stays at the last good step
                throw e;
            } finally {
                m.close();
            }
        }
        step++;
        for (java.util.function.Consumer<StepResult> o : stepObservers) {
            o.accept(result);
        }
        return result;
    }

    private boolean diagnosticsDue() {
        return ccdm != null && (step + 1) % recipe.run().logInterval() == 0;
    }

    /**
     * The CCDM diagnostics now (null with the softmax classifier); prompts for them come from a generator of their
     * own, so reading them changes nothing in training.
     */
    public GmmDiagnostics gmmDiagnostics() {
        return ccdm == null ? null : GmmDiagnostics.of(ccdm, sampler, seed ^ 0x5DEECE66DL);
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
        Targets targets = Targets.fromLabels(batch.labels(), batch.hostLabels(), numClasses, ms.get(2), ms.get(3));
        return new Forward(spec, mag, img, aud, out, targets);
    }

    private void recordStability(Batch batch, int[][] assigned) {
        for (int b = 0; b < assigned.length; b++) {
            stability.record(batch.ids().get(b) + "#" + batch.frames()[b], assigned[b]);
        }
    }

    /** Evaluation results: means, per-class scores, coverage, and the protocol they were computed under. */
    public record EvalResult(String split, String protocol, double miou, double fbeta, int images,
                             List<SegmentationMetrics.ClassScore> perClass, double coverage, boolean silenced)
            implements java.io.Serializable { // results travel from cluster tasks (./cpm ablate --spark)
    }

    /** Evaluates on a split; {@code silence} zeroes the audio (the benchmark must need it). */
    public EvalResult evaluate(String split, int maxItems, boolean silence) {
        try (Precision.Scope precision = Precision.use(recipe.run().precision())) {
            return new Evaluator(this).run(split, maxItems, silence);
        }
    }

    /**
     * Scores {@code count} evaluation batches of a split from batch {@code first} on, a part of what
     * {@link #evaluate} scores; {@link EvalParts#join} joins the parts.
     */
    public EvalParts.Part evaluatePart(String split, int maxItems, boolean silence, int first, int count) {
        try (Precision.Scope precision = Precision.use(recipe.run().precision())) {
            return new Evaluator(this).part(split, maxItems, silence, first, count);
        }
    }

    /** Inference on a batch: merged label maps and foreground probabilities at the label resolution. */
    public InferenceMerge.Merged predict(Batch batch, boolean silence, CoverageScore coverage) {
        return Inference.predict(model, spectrogram, batch, silence, coverage);
    }

    /** ACP on one training item: the mixture's spectrogram, the ratio-mask target and each prompt's mask. */
    public record AcpExample(String item, float[][] mixture, float[][] target, List<float[][]> masks,
                             List<String> names) {
    }

    /**
     * Runs the CPM audio workflow (Eq. 5) without gradient on item {@code k} of a fresh, seeded training stream
     * (see {@link AcpExamples}); null when ACP is off or the item has no sounding class.
     */
    public AcpExample acpExample(int k) {
        return noise == null ? null : new AcpExamples(this, train, noise).example(k);
    }

    @Override
    public void close() {
        loader.close();
        root.close();
    }
}
