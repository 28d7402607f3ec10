package cpm.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import cpm.dsl.Recipe;
import cpm.train.loop.StopRequestListener;
import cpm.train.loop.TimeLeft;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./cpm ablate --parallel K}: the runs of an ablation in K threads of this process, each a whole training
 * ({@link AblateCommand#runOne}) with its own session, run folder and run.threads libtorch threads. Nothing numeric is
 * shared between them (grad mode and libtorch's thread count are per thread, every random stream derives from the
 * run's seed), so each run's files and scores are those it has when trained alone. Each run logs whole lines after
 * {@code [row seed S]} and progress as plain lines, not bars. A failing run stops the others at their next step (with
 * a checkpoint) and starts no more; a signal does the same through {@link StopSignals}.
 */
public final class ParallelRuns {

    /** One training of the ablation: its row, seed, recipe and run folder. */
    public record Job(String row, int seed, Recipe recipe, Path dir) {
    }

    /** The results in the jobs' order, or the exit status of runs a signal stopped. */
    record Outcome(AblateCommand.RowRun[] results, Integer interrupted) {
    }

    /**
     * Where a command's runs go (ablate, sweep): one task each on {@code cluster} (--spark), one after another in
     * this thread ({@link SequentialRuns}, {@code label} words each run in its line), or {@code parallel} side by
     * side in this process. The results come back in the jobs' order whichever it is.
     */
    static Outcome execute(String what, List<Job> jobs, int parallel, boolean progress, StopSignals stop,
                           java.util.function.Function<Job, String> label, Cluster cluster) {
        if (cluster != null) {
            return new Outcome(cluster.train(what, jobs), null);
        }
        if (parallel == 1) {
            return new SequentialRuns(what, progress, stop, label).run(jobs);
        }
        return new ParallelRuns(what, Math.min(parallel, jobs.size()), progress, stop).run(jobs);
    }

    /** The options every multi-run command shares: --seeds K, --parallel K, and --spark (not with --parallel). */
    static void checkCounts(int seeds, int parallel, String spark) {
        if (seeds < 1) {
            throw new Main.BadInput("--seeds: found " + seeds + ", expected at least 1");
        }
        if (parallel < 1) {
            throw new Main.BadInput("--parallel: found " + parallel + ", expected at least 1");
        }
        if (spark != null && parallel > 1) {
            throw new Main.BadInput("--parallel: found " + parallel + " with --spark, expected 1: the cluster's "
                    + "executors run the trainings side by side");
        }
    }

    private final String what;
    private final int threads;
    private final boolean progress;
    private final StopSignals stop;

    ParallelRuns(String what, int threads, boolean progress, StopSignals stop) {
        this.what = what;
        this.threads = threads;
        this.progress = progress;
        this.stop = stop;
    }

    /** Readies a thread other than main for a training: libtorch loaded, grad mode off as on the main thread. */
    public static void prepareThread() {
        Engine.getInstance();               // loads libtorch: JniUtils needs it
        JniUtils.setGradMode(false);        // a new thread starts with it on
    }

    Outcome run(List<Job> jobs) {
        PrintStream out = Cli.out();
        PrintStream err = Cli.err();
        AblateCommand.RowRun[] results = new AblateCommand.RowRun[jobs.size()];
        StopRequestListener.Interrupted[] stopped = new StopRequestListener.Interrupted[jobs.size()];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger finished = new AtomicInteger();
        long t0 = System.nanoTime();
        err.printf(Locale.ROOT, "%s: %d runs, %d side by side%n", what, jobs.size(), threads);
        AtomicInteger made = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cpm-ablate-" + made.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            int k = i;
            futures.add(pool.submit(() -> {
                if (stop.signalled() || failure.get() != null) {
                    return;                             // stopping: start no more
                }
                Job job = jobs.get(k);
                String name = "run " + (k + 1) + "/" + jobs.size() + ", row " + job.row() + ", seed " + job.seed();
                long t1 = System.nanoTime();
                try (PrintStream log = PrefixedLines.of(err, "[" + job.row() + " seed " + job.seed() + "] ")) {
                    Cli.OUT.set(out);
                    Cli.ERR.set(err);
                    prepareThread();
                    err.printf(Locale.ROOT, "%s: %s started%n", what, name);
                    results[k] = AblateCommand.runOne(job.recipe(), job.dir(), progress, stop, log);
                } catch (StopRequestListener.Interrupted e) {
                    stopped[k] = e;
                    return;
                } catch (RuntimeException | Error e) {
                    if (failure.compareAndSet(null, e)) {
                        stop.abandon("run " + job.dir().getFileName() + " failed");
                    }
                    return;
                }
                int n = finished.incrementAndGet();
                double now = (System.nanoTime() - t0) / 1e9;
                err.printf(Locale.ROOT, "%s: %s done in %s: test mIoU %.4f; %d/%d done, about %s left%n", what,
                        name, TimeLeft.format((System.nanoTime() - t1) / 1e9), results[k].test().miou(), n,
                        jobs.size(), TimeLeft.format(TimeLeft.estimate(now, n, jobs.size() - n)));
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> f : futures) {
                f.get();
            }
            pool.awaitTermination(1, TimeUnit.DAYS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the trainings", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());  // the tasks catch everything: cannot happen
        }
        Integer status = null;
        for (int i = 0; i < jobs.size(); i++) {
            if (stopped[i] != null) {
                status = stop.stopped(jobs.get(i).dir(), stopped[i]);
            }
        }
        if (status == null && stop.signalled()) {
            status = stop.exitStatus();                 // a signal came between runs: none was left to stop
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error e) {
            throw e;
        }
        return new Outcome(results, status);
    }
}
