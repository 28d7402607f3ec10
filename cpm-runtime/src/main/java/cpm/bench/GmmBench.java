package cpm.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import cpm.data.Datasets;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.prompting.Ccdm;
import cpm.prompting.GaussianMixture;
import cpm.prompting.MemoryBank;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The {@code gmm} section of {@code ./cpm bench}: one CCDM EM update (Eq. 3-4, classifier.emIterations iterations
 * for every class with a full memory bank) at the tiny preset's sizes and the paper's, in rounds that alternate
 * emFit class by class ({@code Ccdm.maybeUpdate}, classes in parallel on the common pool: training's path on
 * the CPU for small banks), the batched engine EM ({@code BatchedDiagonalEm}: on a GPU and for large banks) and
 * scikit-learn's GaussianMixture fitted class by class on the same banks from the same parameters
 * (bench/reference/gmm_ref.py, one thread).
 */
final class GmmBench {

    static final int ROUNDS = 4;

    private final Benchmarks bench;
    private final Benchmarks.Options options;
    private final java.io.PrintStream log;

    GmmBench(Benchmarks bench, Benchmarks.Options options, java.io.PrintStream log) {
        this.bench = bench;
        this.options = options;
        this.log = log;
    }

    void run() {
        measure("tiny", Presets.get("tiny"), -1);
        measure("paper", Presets.get("paper-avss"), 71);  // AVSBench-Semantics: 70 classes + background
    }

    /** A Ccdm whose banks are full: unit vectors drawn around one random centre per class (seeded). */
    private Ccdm filled(Recipe r, int classes, int dim, NDManager scratch) {
        Ccdm ccdm = new Ccdm(r.classifier(), dim, classes, new cpm.nn.Weights(scratch, options.seed()).child("gmm"),
                options.seed());
        int cap = r.classifier().bankSize();
        SplittableRandom rng = new SplittableRandom(options.seed());
        for (int k = 0; k <= classes; k++) {
            double[] centre = new double[dim];
            for (int d = 0; d < dim; d++) {
                centre[d] = rng.nextGaussian();
            }
            float[][] rows = new float[cap][dim];
            int[] cls = new int[cap];
            for (int i = 0; i < cap; i++) {
                double norm = 0;
                double[] v = new double[dim];
                for (int d = 0; d < dim; d++) {
                    v[d] = centre[d] + 0.5 * rng.nextGaussian();
                    norm += v[d] * v[d];
                }
                norm = Math.sqrt(norm);
                for (int d = 0; d < dim; d++) {
                    rows[i][d] = (float) (v[d] / norm);
                }
                cls[i] = k;
            }
            ccdm.bank().push(rows, cls);
        }
        return ccdm;
    }

    private void measure(String label, Recipe r, int numClasses) {
        int c = numClasses > 0 ? numClasses : Datasets.open(r, "train").classes().size();
        int dim = r.gmmDim();
        int cap = r.classifier().bankSize();
        int iterations = r.classifier().emIterations();
        int interval = r.classifier().updateInterval();
        String sizes = String.format(Locale.ROOT, "sizes=%s classes=%d(+no-object) M=%d D_q=%d bank=%d/class"
                        + " em_iterations=%d em=%s variance=%s", label, c, r.classifier().components(), dim, cap,
                iterations, r.classifier().em(), r.classifier().variance());
        try (NDManager scratch = NDManager.newBaseManager()) {
            Ccdm ours = filled(r, c, dim, scratch);
            Ccdm former = filled(r, c, dim, scratch);
            ours.useBatchedEm(true);
            former.useBatchedEm(false);
            ours.maybeUpdate(interval);             // the first fit, and warm-up of the engine and the JIT
            former.maybeUpdate(interval);
            Path file = options.reference() == null ? null : writeBanks(ours, iterations);
            try {
                long step = interval;
                for (int t : options.threads()) {
                    JniUtils.setNumThreads(t);
                    ours.maybeUpdate(step += interval);   // warm-up at this thread count
                    former.maybeUpdate(step);
                    List<Double> wall = new ArrayList<>();
                    List<Double> cpu = new ArrayList<>();      // one thread: the updating thread's; else the process's
                    List<Double> proc = new ArrayList<>();
                    List<Double> formerWall = new ArrayList<>();
                    List<Double> formerCpu = new ArrayList<>();
                    List<Double> sk = new ArrayList<>();
                    String skDetail = null;
                    for (int round = 0; round < ROUNDS; round++) {
                        long p0 = Benchmarks.processCpuNs();
                        long c0 = Benchmarks.cpuNs();
                        long t0 = System.nanoTime();
                        ours.maybeUpdate(step += interval);
                        wall.add((System.nanoTime() - t0) / 1e6);
                        proc.add((Benchmarks.processCpuNs() - p0) / 1e6);
                        cpu.add(t == 1 ? (Benchmarks.cpuNs() - c0) / 1e6 : proc.get(proc.size() - 1));
                        p0 = Benchmarks.processCpuNs();
                        t0 = System.nanoTime();
                        former.maybeUpdate(step);
                        formerWall.add((System.nanoTime() - t0) / 1e6);
                        formerCpu.add((Benchmarks.processCpuNs() - p0) / 1e6);
                        if (file != null) {
                            try {
                                for (BenchRow row : options.reference().gmm(file)) {
                                    sk.add(row.value());
                                    skDetail = row.detail();
                                }
                            } catch (IOException e) {
                                log.println("  reference skipped: " + e.getMessage());
                                file = null;
                            }
                        }
                    }
                    String id = sizes + " threads=" + t;
                    bench.add("gmm_update_ms", "ms", Stats.median(formerWall), String.format(Locale.ROOT,
                            "%s Ccdm.maybeUpdate with GaussianMixture.emFit class by class (training's path on the"
                                    + " CPU below Ccdm.BATCHED_MIN_VALUES bank values), classes in parallel on the"
                                    + " common pool (%d cores), wall, median of"
                                    + " %d rounds %s; process CPU median %.1f ms %s (10 ms resolution); load=%s", id,
                            Machine.cores(), formerWall.size(), fmt(formerWall), Stats.median(formerCpu),
                            fmt(formerCpu), Machine.load()));
                    bench.add("gmm_batched_ms", "ms", Stats.median(wall), String.format(Locale.ROOT,
                            "%s the batched engine EM (BatchedDiagonalEm as Ccdm runs it: float32 products under"
                                    + " Sinkhorn, one intra-op thread; training's path on a GPU or for large banks),"
                                    + " wall, median of %d rounds %s; process CPU median %.1f ms %s", id, wall.size(),
                            fmt(wall), Stats.median(proc), fmt(proc)));
                    bench.add("gmm_batched_cpu_ms", "ms", Stats.median(cpu), id + (t == 1
                            ? " batched: CPU time of the updating thread (one intra-op thread: all engine work runs"
                            + " on it)" : " batched: CPU time of the whole process (every thread)") + ", median of "
                            + cpu.size() + " rounds " + fmt(cpu));
                    if (sk.size() == cpu.size()) {
                        bench.add("sklearn_gmm_ms", "ms", Stats.median(sk), "median of " + sk.size() + " rounds "
                                + fmt(sk) + "; last round: " + skDetail);
                        List<Double> ratio = Stats.ratios(formerCpu, sk);
                        bench.add("gmm_sklearn_ratio", "ratio", Stats.median(ratio), id + " gmm_update_ms's"
                                + " process CPU / scikit-learn CPU (one thread), median of the per-round ratios "
                                + fmt(ratio) + "; wall ratios " + fmt(Stats.ratios(formerWall, sk))
                                + " (target <= 0.3)");
                        List<Double> bratio = Stats.ratios(cpu, sk);
                        bench.add("gmm_batched_sklearn_ratio", "ratio", Stats.median(bratio), id
                                + " gmm_batched_cpu_ms / scikit-learn CPU, median of the per-round ratios "
                                + fmt(bratio) + "; wall ratios " + fmt(Stats.ratios(wall, sk)) + " (target <= 0.3)");
                    }
                }
            } finally {
                if (file != null) {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        log.println("  could not delete " + file + ": " + e.getMessage());
                    }
                }
            }
        }
    }

    private static String fmt(List<Double> xs) {
        StringBuilder b = new StringBuilder("[");
        for (double x : xs) {
            b.append(b.length() == 1 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", x));
        }
        return b.append(']').toString();
    }

    /**
     * The banks and the current parameters for gmm_ref.py, little-endian: int32 classes, n, dim, components,
     * iterations; float64 epsilon; then float32 x (classes, n, dim), weights (classes, M), means (classes, M, dim),
     * variances (classes, M, dim).
     */
    private static Path writeBanks(Ccdm ccdm, int iterations) {
        GaussianMixture g = ccdm.mixture();
        MemoryBank bank = ccdm.bank();
        int classes = g.classes();
        int n = bank.count(0);
        int dim = g.dim();
        int comps = g.components();
        try {
            Path f = Files.createTempFile("cpm-bench-gmm", ".bin");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ByteBuffer head = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
                head.putInt(classes).putInt(n).putInt(dim).putInt(comps).putInt(iterations)
                        .putDouble(g.config().additive() ? g.floor() : 0.0).flip();
                ch.write(head);
                ByteBuffer body = ByteBuffer.allocate(n * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < classes; k++) {
                    body.clear();
                    for (float[] row : bank.samples(k)) {
                        for (float v : row) {
                            body.putFloat(v);
                        }
                    }
                    ch.write(body.flip());
                }
                ByteBuffer params = ByteBuffer.allocate(classes * comps * (1 + 2 * dim) * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < classes; k++) {
                    for (double w : g.weights(k)) {
                        params.putFloat((float) w);
                    }
                }
                for (int k = 0; k < classes; k++) {
                    for (double[] mu : g.means(k)) {
                        for (double v : mu) {
                            params.putFloat((float) v);
                        }
                    }
                }
                for (int k = 0; k < classes; k++) {
                    for (double[] var : g.variances(k)) {
                        for (double v : var) {
                            params.putFloat((float) v);
                        }
                    }
                }
                ch.write(params.flip());
            }
            return f;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
