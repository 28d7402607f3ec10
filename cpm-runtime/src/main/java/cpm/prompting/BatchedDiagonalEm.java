package cpm.prompting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import cpm.nn.HostCopies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Comparator;

/**
 * EM for diagonal covariances (E-step Eq. 3, M-step Eq. 4) of many classes at once on the engine, in float64: the
 * same parameters as {@link GaussianMixture#emFit} class by class, within float32 rounding, at a fraction of its
 * time (bench/README.md, gmm rows). Each group of classes is one tensor [K, N, 2D] holding per sample
 * [x - xbar, (x - xbar)^2] (xbar: the class's bank mean, which keeps the variance formula below free of
 * cancellation). Then, per iteration:
 * <ul>
 *   <li>E-step: sum_d (x - mu)^2 / var = x^2 . (1 / var) - 2 x . (mu / var) + mu^2 . (1 / var), for all samples
 *       and components as one batched product [K, N, 2D] x [K, 2D, M];</li>
 *   <li>GMMSeg's Sinkhorn-balanced hard assignment (classifier.em sinkhorn), batched as in
 *       {@link SinkhornAssignment};</li>
 *   <li>M-step: the sufficient statistics sum r x, sum r x^2 from one product [K, M, N] x [K, N, 2D]; var =
 *       E_r[x^2] - E_r[x]^2.</li>
 * </ul>
 * Momentum, float32 rounding and unit means are {@link GaussianMixture#store}'s, the code emFit uses. Classes are
 * sorted by bank count and grouped; a group with unequal counts pads to its largest and masks the padding. The
 * tensors of a group alias one direct buffer this object keeps (from_blob on the CPU), so nothing grows from
 * update to update; everything else lives in a manager closed with the update.
 */
final class BatchedDiagonalEm {

    /** Values of [x, x^2] per group (32 MiB of float64): big enough that per-op costs vanish, small for caches. */
    static final long GROUP_VALUES = 1L << 22;

    private final boolean single;
    private ByteBuffer buffer;

    /** The float64 EM throughout (the reference). */
    BatchedDiagonalEm() {
        this(false);
    }

    /**
     * @param single where the assignment is hard (classifier.em sinkhorn), store [x - xbar, (x - xbar)^2] in float32
     *               and run the two products on it in float32 (half the bytes and twice the SIMD width); the E-step's
     *               float32 error then only reaches the result through an argmax, and the M-step sums one-hot rows of
     *               float32 values. Soft EM stays float64: there the E-step error (of order float32 eps times
     *               sum_d x^2 / var, large for small variances) moves every responsibility, and the means by ~1e-6.
     *               bytes and twice the SIMD width); parameters, Sinkhorn and the statistics' use stay float64
     */
    BatchedDiagonalEm(boolean single) {
        this.single = single;
    }

    /**
     * Fits {@code classes} of the mixture on their banks ({@code iterations} EM iterations each, warm-started),
     * blends and stores the results like {@link GaussianMixture#emFit}.
     *
     * @return per entry of {@code classes}, the mean log-likelihood of its bank after the update (as emFit returns)
     */
    double[] fit(GaussianMixture g, MemoryBank bank, int[] classes, int iterations) {
        if (g.fullCovariance()) {
            throw new IllegalArgumentException("BatchedDiagonalEm: the mixture has full covariances");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("classifier.emIterations: found " + iterations + ", expected >= 1");
        }
        Integer[] order = new Integer[classes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            if (bank.count(classes[i]) < 1) {
                throw new IllegalArgumentException("emFit: no samples for class " + classes[i]);
            }
        }
        // largest banks first, so that a group pads little
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -bank.count(classes[i])).thenComparingInt(i -> i));
        double[] out = new double[classes.length];
        // one intra-op thread on this thread while it runs (OpenMP's thread count is the calling thread's setting, as
        // ParallelRuns relies on; MKL's is process wide for these few hundred ms): the ops here are too small for a
        // pool, which on a loaded machine made the update 4x slower at two threads (bench/notes-gmm.md); with one,
        // the result cannot depend on the thread count either
        try (NDManager m = NDManager.newBaseManager()) {   // (loads the engine before JniUtils is used)
            int threads = JniUtils.getNumThreads();
            JniUtils.setNumThreads(1);
            try {
                fitGroups(g, bank, classes, order, iterations, out, m);
            } finally {
                JniUtils.setNumThreads(threads);
            }
        }
        return out;
    }

    /** Fits classes[order[...]] group by group (groups of similar bank counts), writing out[order[...]]. */
    private void fitGroups(GaussianMixture g, MemoryBank bank, int[] classes, Integer[] order, int iterations,
                           double[] out, NDManager m) {
        int row = 2 * g.dim();
        int start = 0;
        while (start < order.length) {
            int nmax = bank.count(classes[order[start]]);
            int k = (int) Math.max(1, Math.min(order.length - start, GROUP_VALUES / ((long) nmax * row)));
            int[] group = new int[k];
            for (int j = 0; j < k; j++) {
                group[j] = classes[order[start + j]];
            }
            double[] ll;
            try (NDManager sub = m.newSubManager()) {
                ll = fitGroup(g, bank, group, nmax, iterations, sub);
            }
            for (int j = 0; j < k; j++) {
                out[order[start + j]] = ll[j];
            }
            start += k;
        }
    }

    /** One group: {@code nmax} the largest bank count in it. */
    private double[] fitGroup(GaussianMixture g, MemoryBank bank, int[] group, int nmax, int iterations,
                              NDManager m) {
        int k = group.length;
        int dim = g.dim();
        int comps = g.components();
        int[] n = new int[k];
        boolean equal = true;
        for (int j = 0; j < k; j++) {
            n[j] = bank.count(group[j]);
            equal &= n[j] == nmax;
        }
        boolean f32 = single && g.config().sinkhorn() && comps > 1;
        double[] xbar = fillBuffer(bank, group, n, nmax, dim, f32);
        NDArray xx = m.create(buffer, new Shape(k, nmax, 2L * dim), f32 ? DataType.FLOAT32 : DataType.FLOAT64);
        double[] counts = new double[k];
        for (int j = 0; j < k; j++) {
            counts[j] = n[j];
        }
        NDArray count = m.create(counts, new Shape(k, 1));
        NDArray mask = null;
        if (!equal) {
            double[] v = new double[k * nmax];
            for (int j = 0; j < k; j++) {
                Arrays.fill(v, j * nmax, j * nmax + n[j], 1.0);
            }
            mask = m.create(v, new Shape(k, nmax, 1));
        }
        Batch b = new Batch(g, xx, count, mask);
        // the warm start: the current parameters
        NDArray[] start = parameters(g, group, xbar, m);
        NDArray w = start[0];
        NDArray mu = start[1];
        NDArray cv = start[2];
        NDList trace = new NDList();
        for (int it = 0; it < iterations; it++) {
            boolean hard = g.config().sinkhorn() && comps > 1;
            NDArray[] e = b.eStep(w, mu, cv, !hard);
            trace.add(e[2]);
            NDArray resp = hard ? b.sinkhorn(e[0]) : b.masked(e[1]);
            NDArray[] p = b.mStep(resp, w, mu, cv);
            w = p[0];
            mu = p[1];
            cv = p[2];
        }
        NDArray all = NDArrays.concat(new NDList(w, mu.reshape(k, -1), cv.reshape(k, -1),
                NDArrays.stack(trace, 1)), 1);
        double[] res = HostCopies.doubles("ccdm.em", all);
        int width = comps + 2 * comps * dim + iterations;
        for (int j = 0; j < k; j++) {
            int o = j * width;
            double[] wj = Arrays.copyOfRange(res, o, o + comps);
            double[] muj = Arrays.copyOfRange(res, o + comps, o + comps + comps * dim);
            for (int i = 0; i < muj.length; i++) {
                muj[i] += xbar[j * dim + i % dim];
            }
            double[] cvj = Arrays.copyOfRange(res, o + comps + comps * dim, o + comps + 2 * comps * dim);
            g.store(group[j], wj, muj, cvj, Arrays.copyOfRange(res, o + width - iterations, o + width));
        }
        // the returned log-likelihood: the stored (blended, rounded) parameters on the same bank
        NDArray[] stored = parameters(g, group, xbar, m);
        NDArray[] fin = b.eStep(stored[0], stored[1], stored[2], false);
        return HostCopies.doubles("ccdm.emLogLikelihood", fin[2]);
    }

    /** The group's weights (K, M), means relative to the bank means (K, M, D) and variances (K, M, D). */
    private static NDArray[] parameters(GaussianMixture g, int[] group, double[] xbar, NDManager m) {
        int k = group.length;
        int comps = g.components();
        int dim = g.dim();
        double[] w = new double[k * comps];
        double[] mu = new double[k * comps * dim];
        double[] cv = new double[k * comps * dim];
        for (int j = 0; j < k; j++) {
            System.arraycopy(g.weightsOf(group[j]), 0, w, j * comps, comps);
            System.arraycopy(g.covOf(group[j]), 0, cv, j * comps * dim, comps * dim);
            double[] mj = g.meansOf(group[j]);
            for (int i = 0; i < comps * dim; i++) {
                mu[j * comps * dim + i] = mj[i] - xbar[j * dim + i % dim];
            }
        }
        return new NDArray[] {m.create(w, new Shape(k, comps)), m.create(mu, new Shape(k, comps, dim)),
                m.create(cv, new Shape(k, comps, dim))};
    }

    /**
     * Writes the group's banks as [x - xbar, (x - xbar)^2] rows (padding rows zero) into the reused buffer.
     *
     * @return the bank means xbar, (k, dim) row-major
     */
    private double[] fillBuffer(MemoryBank bank, int[] group, int[] n, int nmax, int dim, boolean f32) {
        int k = group.length;
        int size = f32 ? Float.BYTES : Double.BYTES;
        long bytes = (long) k * nmax * 2 * dim * size;
        if (buffer == null || buffer.capacity() < bytes) {
            // sized for the largest group this bank can form, so it is allocated once
            long most = Math.max(bytes, Math.min((long) bank.classes() * bank.capacity(),
                    Math.max(1, GROUP_VALUES / (2L * dim * bank.capacity())) * bank.capacity()) * 2 * dim
                    * Double.BYTES);
            buffer = ByteBuffer.allocateDirect(Math.toIntExact(most)).order(ByteOrder.nativeOrder());
        }
        buffer.clear();
        DoubleBuffer out = f32 ? null : buffer.asDoubleBuffer();
        FloatBuffer outF = f32 ? buffer.asFloatBuffer() : null;
        float[] rowF = new float[2 * dim];
        float[] x = new float[nmax * dim];
        double[] row = new double[2 * dim];
        double[] xbar = new double[k * dim];
        for (int j = 0; j < k; j++) {
            bank.copyTo(group[j], x);
            for (int i = 0; i < n[j]; i++) {
                for (int d = 0; d < dim; d++) {
                    xbar[j * dim + d] += x[i * dim + d];
                }
            }
            for (int d = 0; d < dim; d++) {
                xbar[j * dim + d] /= n[j];
            }
            for (int i = 0; i < n[j]; i++) {
                for (int d = 0; d < dim; d++) {
                    double v = x[i * dim + d] - xbar[j * dim + d];
                    row[d] = v;
                    row[dim + d] = v * v;
                }
                put(out, outF, row, rowF);
            }
            Arrays.fill(row, 0.0);
            for (int i = n[j]; i < nmax; i++) {
                put(out, outF, row, rowF);
            }
        }
        buffer.limit(Math.toIntExact(bytes));
        return xbar;
    }

    private static void put(DoubleBuffer out, FloatBuffer outF, double[] row, float[] rowF) {
        if (out != null) {
            out.put(row);
            return;
        }
        for (int i = 0; i < row.length; i++) {
            rowF[i] = (float) row[i];
        }
        outF.put(rowF);
    }

    /** The batched steps on one group's samples xx (K, N, 2D); mask (K, N, 1) or null when no row is padding. */
    private static final class Batch {
        private final GaussianMixture g;
        private final NDArray xx;
        private final NDArray count;     // (K, 1) bank counts n
        private final NDArray mask;
        private final int dim;

        Batch(GaussianMixture g, NDArray xx, NDArray count, NDArray mask) {
            this.g = g;
            this.xx = xx;
            this.count = count;
            this.mask = mask;
            this.dim = g.dim();
        }

        /** a x b in the bank's type (one operand is the bank), the result float64. */
        NDArray product(NDArray a, NDArray b) {
            DataType t = xx.getDataType();
            if (t == DataType.FLOAT64) {
                return a.matMul(b);
            }
            return a.toType(t, false).matMul(b.toType(t, false)).toType(DataType.FLOAT64, false);
        }

        NDArray masked(NDArray a) {
            return mask == null ? a : a.mul(mask);
        }

        /**
         * E-step (Eq. 3) for centred means mu.
         *
         * @return logp (K, N, M) = log N(x; mu_m, var_m), the responsibilities (K, N, M; null unless
         *         {@code responsibilities}), and the mean log-likelihood of each class's bank (K)
         */
        NDArray[] eStep(NDArray w, NDArray mu, NDArray cv, boolean responsibilities) {
            NDArray v = cv.add(g.epsilon());
            NDArray inv = v.pow(-1);
            NDArray coef = mu.mul(inv).mul(-2).concat(inv, 2);                        // (K, M, 2D)
            NDArray konst = v.log().add(mu.square().mul(inv)).sum(new int[] {2})
                    .mul(-0.5).sub(0.5 * dim * GaussianMixture.LOG_2PI);              // (K, M)
            NDArray logp = product(xx, coef.transpose(0, 2, 1)).mul(-0.5).add(konst.expandDims(1));
            NDArray a = logp.add(w.log().expandDims(1));
            NDArray max = a.max(new int[] {2}, true);
            NDArray lse = a.sub(max).exp().sum(new int[] {2}, true).log().add(max); // (K, N, 1)
            NDArray resp = responsibilities ? a.sub(lse).exp() : null;
            NDArray mean = masked(lse).sum(new int[] {1, 2}).div(count.squeeze(1));
            return new NDArray[] {logp, resp, mean};
        }

        /** GMMSeg's balanced hard assignment ({@link SinkhornAssignment#hard}) of every class at once. */
        NDArray sinkhorn(NDArray logp) {
            NDArray scale = masked(logp).abs().max(new int[] {2}, true).max(new int[] {1}, true);
            scale = NDArrays.where(scale.gt(0), scale, scale.onesLike());
            NDArray q = logp.div(scale.mul(SinkhornAssignment.EPSILON));
            // DJL's where does not broadcast
            NDArray ninf = mask == null ? null
                    : q.getManager().full(q.getShape(), Float.NEGATIVE_INFINITY, DataType.FLOAT64);
            NDArray valid = mask == null ? null : mask.gt(0).broadcast(q.getShape());
            q = mask == null ? q : NDArrays.where(valid, q, ninf);
            // SinkhornAssignment also subtracts log M after the first normalisation and log n after the second:
            // constants that the next normalisation (and the argmax) removes again, so they are left out here
            if (mask == null) {
                // (K, M, N): both normalisations run over the contiguous or an outer dimension, not over the
                // middle one with a stride of M (5-10% of the update at the paper's sizes, bench/notes-gmm.md)
                q = q.transpose(0, 2, 1);
                for (int it = 0; it < SinkhornAssignment.ITERATIONS; it++) {
                    q = q.logSoftmax(2).logSoftmax(1);
                }
                return q.argMax(1).oneHot(g.components()).toType(DataType.FLOAT64, false);
            }
            for (int it = 0; it < SinkhornAssignment.ITERATIONS; it++) {
                q = q.logSoftmax(1).logSoftmax(2);  // components to equal mass over the samples, then each sample
                q = mask == null ? q : NDArrays.where(valid, q, ninf);  // padding samples are NaN after the last
            }
            return masked(q.argMax(2).oneHot(g.components()).toType(DataType.FLOAT64, false));
        }

        /** M-step (Eq. 4) from the responsibilities; returns the new weights, centred means and variances. */
        NDArray[] mStep(NDArray resp, NDArray w, NDArray mu, NDArray cv) {
            NDArray nk = resp.sum(new int[] {1});                                       // (K, M)
            NDArray stats = product(resp.transpose(0, 2, 1), xx);                         // (K, M, 2D)
            NDArray nk3 = nk.expandDims(2);
            NDArray mean = stats.get(new NDIndex(":, :, :" + dim)).div(nk3);
            NDArray var = stats.get(new NDIndex(":, :, " + dim + ":")).div(nk3).sub(mean.square()).maximum(0);
            if (!g.config().additive()) {
                var = var.maximum(g.floor());
            }
            // an empty component keeps its mean and variance
            NDArray empty = nk3.lt(GaussianMixture.EMPTY).broadcast(mu.getShape());
            NDArray wNew = nk.div(count).maximum(GaussianMixture.MIN_WEIGHT);
            return new NDArray[] {wNew.div(wNew.sum(new int[] {1}, true)), NDArrays.where(empty, mu, mean),
                    NDArrays.where(empty, cv, var)};
        }
    }
}
