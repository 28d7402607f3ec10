package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fits the CCDM classifier during training (Sec. 3.2): after Hungarian matching, the matched mask embeddings
 * (L2-normalised, detached) enter the memory bank under their ground-truth class, and a bounded, seeded random
 * sample of the unmatched ones ({@code classifier.noObjectSamples} per call) enters it under the no-object class.
 * Every {@code classifier.updateInterval} steps, EM ({@code classifier.emIterations} iterations, warm-started,
 * blended with {@code classifier.momentum}) refits every class that has at least 2M samples in the bank (classes
 * in parallel: pure Java, no engine calls, the same result as in sequence).
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
    private long observed;                       // observe() calls so far: seeds the no-object sampling
    private final double[] lastLogLikelihood;    // per class, after its last fit (NaN: never fitted)

    /**
     * @param numClasses C, background included, no-object excluded; the mixture has C + 1 classes
     */
    public Ccdm(Recipe r, int numClasses, long seed) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("Ccdm: numClasses must be >= 1, found " + numClasses);
        }
        this.numClasses = numClasses;
        this.seed = seed;
        int dim = r.getInt("queries.dim");
        this.gmm = new GaussianMixture(numClasses + 1, r.getInt("classifier.components"), dim,
                r.getString("classifier.covariance"), r.getDouble("classifier.varianceFloor"),
                r.getDouble("classifier.momentum"), seed);
        this.bank = new MemoryBank(numClasses + 1, r.getInt("classifier.bankSize"), dim);
        this.classifier = new GmmClassifier(gmm, r.getDouble("classifier.temperature"));
        this.noObjectSamples = r.getInt("classifier.noObjectSamples");
        this.emIterations = r.getInt("classifier.emIterations");
        this.updateInterval = r.getInt("classifier.updateInterval");
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
     * Adds one step's matched embeddings to the bank.
     *
     * @param maskEmbed     (B, N, Dq) final mask embeddings (stop-gradient'ed and L2-normalised here)
     * @param assignedClass (B, N) class of each query after matching; numClasses (= C) marks no-object
     */
    public void observe(NDArray maskEmbed, int[][] assignedClass) {
        Shape s = maskEmbed.getShape();
        if (s.dimension() != 3 || s.get(2) != gmm.dim()) {
            throw new IllegalArgumentException("Ccdm.observe: mask embeddings have shape " + s + ", expected (B, N, "
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
        try (ai.djl.ndarray.NDManager scratch = maskEmbed.getManager().newSubManager()) {
            NDArray detached = maskEmbed.stopGradient();
            detached.attach(scratch);
            NDArray normed = GmmClassifier.normalise(detached);
            x = normed.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        }
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
        // classes are independent, so fitting them in parallel gives the same result as in sequence
        java.util.Arrays.stream(due).parallel()
                .forEach(c -> lastLogLikelihood[c] = gmm.emFit(c, bank.samples(c), emIterations));
        return due.length > 0;
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
        return s;
    }

    public void load(Map<String, float[]> state) {
        gmm.load(sub(state, "gmm."));
        bank.load(sub(state, "bank."));
        float[] o = GaussianMixture.require(state, "observed", 2);
        observed = ((long) o[0] << 24) | (long) o[1];
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
