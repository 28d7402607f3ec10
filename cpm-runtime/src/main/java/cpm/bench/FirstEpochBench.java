package cpm.bench;

import cpm.data.AvsDataset;
import cpm.data.Datasets;
import cpm.data.OffscreenSet;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.train.TrainingSession;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The first epoch of {@code tiny}, before the synthetic sets' render cache holds anything (issue 18): a fresh
 * session, no {@code BatchLoader.warmUp}, so the data thread renders every item's image and sound (and the
 * off-screen sounds) while the step runs. Rows: the median data wait per step and its share of the step, the data
 * threads' CPU time per batch (ThreadMXBean on those threads: the number that does not move with other load), and
 * the step without the data wait against a session over a warm cache timed just before (as from the second
 * epoch), which shows what rendering beside the step costs the step. Then, on one thread, the loader's work per batch split into its parts.
 */
final class FirstEpochBench {

    /** Steps before timing (the JIT's first compilations), timed steps; both inside the first epoch of tiny. */
    static final int WARMUP = 3, STEPS = 30;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Benchmarks bench;

    FirstEpochBench(Benchmarks bench) {
        this.bench = bench;
    }

    /** CPU time in ns of every live data thread (named cpm-data-*: the loader's thread and its render workers). */
    static long dataThreadsCpuNs() {
        long sum = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("cpm-data")) {
                long c = THREADS.getThreadCpuTime(t.getThreadId());
                sum += Math.max(0, c);
            }
        }
        return sum;
    }

    /** Data wait, step and data-thread CPU over one stretch of steps. */
    private record Stretch(double dataMs, double stepMs, double computeMs, double dataCpuMs, int steps) {
        double share() {
            return dataMs / stepMs;
        }
    }

    private static Stretch stretch(TrainingSession s, int steps) {
        double[] data = new double[steps], total = new double[steps], compute = new double[steps];
        long c0 = dataThreadsCpuNs();
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            TrainingSession.StepResult res = s.step();
            total[i] = (System.nanoTime() - t0) / 1e6;
            data[i] = res.timings().data();
            compute[i] = total[i] - data[i];
        }
        // the data thread runs ahead by its queue; over 30 batches that is a small error
        double cpu = (dataThreadsCpuNs() - c0) / 1e6 / steps;
        return new Stretch(Stats.median(data), Stats.median(total), Stats.median(compute), cpu, steps);
    }

    /** The first-epoch rows of tiny at each thread count, then the split of the loader's work. */
    void run(java.util.List<Integer> threadCounts) {
        for (int t : threadCounts) {
            firstEpoch(t);
        }
        parts();
    }

    private void firstEpoch(int threads) {
        Recipe base = Presets.get("tiny");
        Recipe r = base.derive(base.name(), b -> b.run(x -> x.threads(threads)));
        int perEpoch = r.data().trainItems() / r.optim().batchSize();
        Stretch cold, warm;
        // first a session over a warm cache (as from the second epoch), so that the JIT has compiled the step
        // before the cold one is timed: in the other order the first stretch also paid for the compilation
        try (TrainingSession s = new TrainingSession(r)) {
            s.loader().warmUp();
            for (int i = 0; i < WARMUP; i++) {
                s.step();
            }
            warm = stretch(s, STEPS);
        }
        try (TrainingSession s = new TrainingSession(r)) {     // a fresh data set: nothing rendered yet
            for (int i = 0; i < WARMUP; i++) {
                s.step();
            }
            cold = stretch(s, STEPS);
        }
        String id = "recipe=tiny threads=" + threads;
        String load = Machine.load();
        bench.add("train_first_epoch_data_ms", "ms", cold.dataMs(), String.format(Locale.ROOT,
                "%s median data wait per step, steps %d-%d of the first epoch (%d batches), fresh data set, no"
                        + " warmUp; over a warm cache %.2f ms; load=%s", id, WARMUP + 1, WARMUP + STEPS, perEpoch,
                warm.dataMs(), load));
        bench.add("train_first_epoch_data_share", "ratio", cold.share(), String.format(Locale.ROOT,
                "%s median data wait / median step (%.2f / %.1f ms; target < 0.05); over a warm cache %.4f;"
                + " load=%s",
                id, cold.dataMs(), cold.stepMs(), warm.share(), load));
        bench.add("train_first_epoch_step_ratio", "ratio", cold.computeMs() / warm.computeMs(),
                String.format(Locale.ROOT, "%s median step without the data wait, first epoch / a session over a"
                        + " warm cache timed just before (%.1f / %.1f ms): what rendering beside the step costs the"
                        + " step; load=%s",
                        id, cold.computeMs(), warm.computeMs(), load));
        bench.add("data_thread_cpu_ms", "ms", cold.dataCpuMs(), String.format(Locale.ROOT,
                "%s CPU time of the data threads per batch (ThreadMXBean), first epoch; over a warm cache %.1f ms;"
                        + " load=%s", id, warm.dataCpuMs(), load));
    }

    /**
     * The loader's work per batch of tiny in its parts, on this thread's CPU clock, from fresh data sets: render an
     * image (with its label map), render a sound, render an off-screen sound, and the rest of a batch (crop,
     * resize, normalise, copies) as a loader over a warm cache costs beyond its images. The spectrogram and
     * log-mel are not the loader's: the step computes them on the engine (part=forward).
     */
    private void parts() {
        Recipe r = Presets.get("tiny");
        int batch = r.optim().batchSize();
        int n = 6 * batch;
        AvsDataset data = Datasets.open(r, "train");
        OffscreenSet noise = Datasets.offscreen(r, data);
        int stride = data.size() / n;
        long c0 = Benchmarks.cpuNs();
        for (int k = 0; k < n; k++) {
            data.audio(k * stride);
        }
        long c1 = Benchmarks.cpuNs();
        for (int k = 0; k < n; k++) {
            data.get(k * stride);                  // the sound is cached now: an image, a label map and a copy
        }
        long c2 = Benchmarks.cpuNs();
        int m = Math.min(n, noise.size());
        for (int j = 0; j < m; j++) {
            noise.get(j);
        }
        long c3 = Benchmarks.cpuNs();
        double audio = (c1 - c0) / 1e6 / n, image = (c2 - c1) / 1e6 / n, off = (c3 - c2) / 1e6 / m;
        double assembly = assembly(r, batch) - batch * image;
        String load = Machine.load();
        String id = "recipe=tiny per batch of " + batch + ", CPU time of one thread (mean over " + n + " items";
        bench.add("data_cpu_ms", "ms", batch * image, id + ") part=images (synthetic frame and label map); load="
                + load);
        bench.add("data_cpu_ms", "ms", batch * audio, id + ") part=audio (the frame's second: sounding objects"
                + " and noise); load=" + load);
        // one draw per sample: the first epoch meets size (1 - (1 - 1/size)^draws) distinct sounds
        int draws = r.data().trainItems();
        double fresh = noise.size() * (1 - Math.pow(1 - 1.0 / noise.size(), draws)) / (draws / (double) batch);
        bench.add("data_cpu_ms", "ms", batch * off, String.format(Locale.ROOT, "recipe=tiny per batch of %d if"
                + " all new (mean over %d of the %d off-screen sounds; each is rendered once: the first epoch"
                + " renders ~%.1f per batch) part=offscreen; load=%s", batch, m, noise.size(), fresh, load));
        bench.add("data_cpu_ms", "ms", assembly, "recipe=tiny per batch of " + batch + ", data thread's CPU over a"
                + " warm cache less its images part=assembly (crop, resize, normalise, copies); load=" + load);
    }

    /** The data thread's CPU time per batch over a warm cache (every sound rendered before). */
    private static double assembly(Recipe r, int batch) {
        try (TrainingSession s = new TrainingSession(r.derive("tiny", b -> b.run(x -> x.threads(1))));
             ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            s.loader().warmUp();
            int k = 20;
            for (int i = 0; i < 3; i++) {
                s.loader().next(m).close();
            }
            long c0 = dataThreadsCpuNs();
            for (int i = 0; i < k; i++) {
                s.loader().next(m).close();
            }
            return (dataThreadsCpuNs() - c0) / 1e6 / k;
        }
    }
}
