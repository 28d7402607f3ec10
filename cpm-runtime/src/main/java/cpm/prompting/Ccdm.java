package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Sections;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fits the CCDM classifier during training (Sec. 3.2): after Hungarian matching, the matched features of the
 * classifier's space, mapped onto its sphere ({@link GmmClassifier#embed}, detached), enter the memory bank under
 * their ground-truth class (all of them, or with classifier.enqueue correct only those the classifier already
 * labels right, GMMSeg's rule), and a bounded, seeded random sample of the unmatched ones
 * ({@code classifier.noObjectSamples} per call) enters it under the no-object class.
 * Every {@code classifier.updateInterval} steps, EM ({@code classifier.emIterations} iterations, warm-started,
 * blended with {@code classifier.momentum}) refits every class that has at least 2M samples in the bank: class by
 * class in parallel (pure Java, the same result as in sequence), or, for diagonal covariances on a GPU or for large
 * banks, all at once on the engine ({@link BatchedDiagonalEm}).
 */
public final class Ccdm {

    private final int numClasses;
    private final int noObjectSamples;
    private final int emIterations;
    private final int updateInterval;
    private final long seed;
    private final GaussianMixture gmm;
    private final MemoryBank bank;
    private final GmmClassifier classifier;
    private final boolean correctOnly;
    private long observed;                       // observe() calls so far: seeds the no-object sampling
    private double noObjectFraction = Double.NaN; // running share of unmatched queries (classifier.noObject prior)
    private final double[] lastLogLikelihood;    // per class, after its last fit (NaN: never fitted)
    private final BatchedDiagonalEm batchedEm = new BatchedDiagonalEm(true);
    // on the CPU the engine EM is 0.6-0.75x emFit's wall time at the paper's sizes (72 x 2048 x 256 bank values)
    // and 1.6-1.8x at tiny's (10 x 512 x 64), where per-op costs dominate (bench/notes-gmm.md): so it runs where
    // the due banks hold at least BATCHED_MIN_VALUES values, or always on an accelerator; null: that rule
    static final long BATCHED_MIN_VALUES = 1L << 22;
    private final boolean gpu = ai.djl.engine.Engine.getInstance().defaultDevice().isGpu();
    private Boolean batched;

    /**
     * @param numClasses C, background included, no-object excluded; the mixture has C + 1 classes
     */
    /**
     * @param c          the recipe's classifier section
     * @param dim        D of the space the mixture models (decoder width in query space, else D_q)
     * @param w          where the classifier's parameters live (child "gmm" of the model's weights)
     */
    public Ccdm(Sections.Classifier c, int dim, int numClasses, Weights w, long seed) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("Ccdm: numClasses must be >= 1, found " + numClasses);
        }
        this.numClasses = numClasses;
        this.seed = seed;
        this.gmm = new GaussianMixture(numClasses + 1, c.components(), dim, c.covariance(), c.varianceFloor(),
                c.momentum(), seed);
        gmm.configure(new GaussianMixture.Config(c.variance().equals("add"), c.componentScore().equals("max"),
                c.layerNormHead(), c.unfitted(), c.em().equals("sinkhorn"),
                c.firstFit().equals("blend")));
        this.bank = new MemoryBank(numClasses + 1, c.bankSize(), dim);
        this.classifier = new GmmClassifier(c, gmm, w, this::logPrior);
        this.correctOnly = c.enqueue().equals("correct");
        this.noObjectSamples = c.noObjectSamples();
        this.emIterations = c.emIterations();
        this.updateInterval = c.updateInterval();
        this.lastLogLikelihood = new double[numClasses + 1];
        java.util.Arrays.fill(lastLogLikelihood, Double.NaN);
    }

    public GmmClassifier classifier() {
        return classifier;
    }

    public GaussianMixture mixture() {
        return gmm;
    }

    public MemoryBank bank() {
        return bank;
    }

    /**
     * Adds one step's matched features to the bank.
     *
     * @param feature       (B, N, D) the final layer's feature of the classifier's space (detached and mapped to
     *                      the sphere here)
     * @param classLogits   (B, N, C + 1) the final layer's logits (classifier.enqueue correct), or null
     * @param assignedClass (B, N) class of each query after matching; numClasses (= C) marks no-object
     */
    public void observe(NDArray feature, NDArray classLogits, int[][] assignedClass) {
        Shape s = feature.getShape();
        if (s.dimension() != 3 || s.get(2) != gmm.dim()) {
            throw new IllegalArgumentException("Ccdm.observe: features have shape " + s + ", expected (B, N, "
                    + gmm.dim() + ")");
        }
        int b = (int) s.get(0);
        int n = (int) s.get(1);
        int dim = gmm.dim();
        if (assignedClass.length != b) {
            throw new IllegalArgumentException("Ccdm.observe: " + assignedClass.length + " assignment rows, expected "
                    + b);
        }
        float[] x;
        int[] predicted = null;
        try (ai.djl.ndarray.NDManager scratch = feature.getManager().newSubManager()) {
            NDArray detached = feature.stopGradient();
            detached.attach(scratch);
            NDArray normed = classifier.embed(detached).stopGradient();
            x = cpm.nn.HostCopies.floats("ccdm.embeddings", normed);
            if (correctOnly && classLogits != null) {
                NDArray am = classLogits.stopGradient().argMax(2);
                am.attach(scratch);
                predicted = cpm.nn.HostCopies.ints("ccdm.predicted", am);
            }
        }
        int unmatchedCount = 0;
        List<float[]> rows = new ArrayList<>();
        List<Integer> cls = new ArrayList<>();
        List<float[]> unmatched = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            if (assignedClass[i].length != n) {
                throw new IllegalArgumentException("Ccdm.observe: assignment row " + i + " has "
                        + assignedClass[i].length + " entries, expected " + n);
            }
            for (int q = 0; q < n; q++) {
                int c = assignedClass[i][q];
                if (c < 0 || c > numClasses) {
                    throw new IllegalArgumentException("Ccdm.observe: class " + c + " at (" + i + ", " + q
                            + ") out of range 0.." + numClasses);
                }
                float[] row = java.util.Arrays.copyOfRange(x, (i * n + q) * dim, (i * n + q + 1) * dim);
                unmatchedCount += c < numClasses ? 0 : 1;
                if (predicted != null && predicted[i * n + q] != c) {
                    continue; // GMMSeg's rule: only embeddings the classifier already labels right
                }
                if (c < numClasses) {
                    rows.add(row);
                    cls.add(c);
                } else {
                    unmatched.add(row);
                }
            }
        }
        // a seeded partial Fisher-Yates picks the bounded no-object sample
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (observed + 1)));
        int take = Math.min(noObjectSamples, unmatched.size());
        for (int i = 0; i < take; i++) {
            int j = i + rng.nextInt(unmatched.size() - i);
            float[] t = unmatched.get(i);
            unmatched.set(i, unmatched.get(j));
            unmatched.set(j, t);
            rows.add(unmatched.get(i));
            cls.add(numClasses);
        }
        observed++;
        double frac = unmatchedCount / (double) (b * n);
        noObjectFraction = (float) (Double.isNaN(noObjectFraction) ? frac : 0.99 * noObjectFraction + 0.01 * frac);
        bank.push(rows.toArray(new float[0][]), cls.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Whether EM is due at this step: every updateInterval steps (step > 0). */
    public boolean due(long step) {
        return step > 0 && step % updateInterval == 0;
    }

    /**
     * Runs EM when due for every class with at least 2M samples in the bank.
     *
     * @return true when EM ran for at least one class
     */
    public boolean maybeUpdate(long step) {
        if (!due(step)) {
            return false;
        }
        int need = 2 * gmm.components();
        int[] due = java.util.stream.IntStream.rangeClosed(0, numClasses).filter(c -> bank.count(c) >= need).toArray();
        long values = 0;
        for (int c : due) {
            values += (long) bank.count(c) * gmm.dim();
        }
        boolean engine = batched != null ? batched : gpu || values >= BATCHED_MIN_VALUES;
        if (gmm.fullCovariance() || !engine) {
            // classes are independent, so fitting them in parallel gives the same result as in sequence
            java.util.Arrays.stream(due).parallel()
                    .forEach(c -> lastLogLikelihood[c] = gmm.emFit(c, bank.samples(c), emIterations));
        } else if (due.length > 0) {
            double[] ll = batchedEm.fit(gmm, bank, due, emIterations);
            for (int i = 0; i < due.length; i++) {
                lastLogLikelihood[due[i]] = ll[i];
            }
        }
        gmm.shareVariance();
        return due.length > 0;
    }

    /**
     * Fits diagonal covariances with the batched engine EM (true) or with emFit class by class (false); null: the
     * default rule (engine on a GPU or for at least BATCHED_MIN_VALUES due bank values). Both give the same
     * parameters within float tolerance (BatchedDiagonalEmTest).
     */
    public void useBatchedEm(Boolean on) {
        this.batched = on;
    }

    /**
     * log p(c) for the C + 1 classes from the running share f of unmatched queries (classifier.noObject prior):
     * log f for no-object, log((1 - f) / C) for each class; uniform before the first observation.
     */
    public float[] logPrior() {
        float[] p = new float[numClasses + 1];
        double f = Double.isNaN(noObjectFraction) ? 1.0 / (numClasses + 1)
                : Math.min(Math.max(noObjectFraction, 1e-3), 1 - 1e-3);
        for (int c = 0; c < numClasses; c++) {
            p[c] = (float) Math.log((1 - f) / numClasses);
        }
        p[numClasses] = (float) Math.log(f);
        return p;
    }

    /** The running share of queries matched to no object (NaN before the first step). */
    public double noObjectFraction() {
        return noObjectFraction;
    }

    /** Mean bank log-likelihood of each class after its last fit (NaN where never fitted). */
    public double[] lastLogLikelihood() {
        return lastLogLikelihood.clone();
    }

    public Map<String, float[]> state() {
        Map<String, float[]> s = new LinkedHashMap<>();
        gmm.state().forEach((k, v) -> s.put("gmm." + k, v));
        bank.state().forEach((k, v) -> s.put("bank." + k, v));
        // the counter as two exact 24-bit halves
        s.put("observed", new float[] {(float) (observed >>> 24), (float) (observed & 0xFFFFFF)});
        s.put("noObjectFraction", new float[] {(float) noObjectFraction});
        return s;
    }

    public void load(Map<String, float[]> state) {
        gmm.load(sub(state, "gmm."));
        bank.load(sub(state, "bank."));
        float[] o = GaussianMixture.require(state, "observed", 2);
        observed = ((long) o[0] << 24) | (long) o[1];
        // the running fraction is kept in float32 so that a resumed run continues from exactly the saved value
        float[] f = state.get("noObjectFraction");
        noObjectFraction = f == null ? Double.NaN : f[0];
    }

    private static Map<String, float[]> sub(Map<String, float[]> state, String prefix) {
        Map<String, float[]> m = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                m.put(k.substring(prefix.length()), v);
            }
        });
        return m;
    }
}
