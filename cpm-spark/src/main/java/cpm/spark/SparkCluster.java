package cpm.spark;

import cpm.cli.AblateCommand;
import cpm.cli.Cluster;
import cpm.cli.ParallelRuns;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.train.EvalParts;
import cpm.train.TrainingSession;
import cpm.train.loop.RunFolder;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * {@link Cluster} on Apache Spark: the driver is the command's JVM, each training or evaluation part one task. The
 * application's settings come from {@code spark.*} system properties (spark-submit's, or {@code -Dspark.x=y} in
 * CPM_JAVA_OPTS) with defaults for the toolkit: executors that share this machine's files get this JVM's class path;
 * Spark's web UI is off for local masters. An application already running in this JVM (spark-submit's, a test's)
 * is used and left running.
 */
public final class SparkCluster implements Cluster {

    /** The ServiceLoader entry (META-INF/services). */
    public static final class Connector implements Cluster.Connector {
        @Override
        public Cluster connect(String master, PrintStream log) {
            return open(master, log);
        }
    }

    private final JavaSparkContext sc;
    private final String master;
    private final boolean owned;
    private final PrintStream log;

    private SparkCluster(JavaSparkContext sc, String master, boolean owned, PrintStream log) {
        this.sc = sc;
        this.master = master;
        this.owned = owned;
        this.log = log;
    }

    static SparkCluster open(String master, PrintStream log) {
        boolean running = org.apache.spark.SparkContext$.MODULE$.getActive().isDefined();
        SparkConf conf = new SparkConf().setMaster(master).setIfMissing("spark.app.name", "cpm");
        if (!inProcess(master)) {
            // executors that see this machine's files (local-cluster, workers here or the toolkit on shared storage)
            // load the toolkit from where this JVM does; on other clusters spark-submit's assembly jar brings it
            if (!conf.contains("spark.jars")) {
                conf.setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"));
            }
            conf.setIfMissing("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Djava.awt.headless=true "
                    + System.getProperty("cpm.spark.jvmOptions", ""));
        }
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        if (running) {
            SparkContext context = SparkContext.getOrCreate(conf);
            if (!context.master().equals(master)) {
                throw new IllegalArgumentException("--spark " + master + ": found a Spark application on "
                        + context.master() + " running in this JVM, expected that master (or none)");
            }
            return new SparkCluster(new JavaSparkContext(context), master, false, log);
        }
        try {
            return new SparkCluster(new JavaSparkContext(new SparkContext(conf)), master, true, log);
        } catch (Exception e) { // Scala throws SparkException undeclared, e.g. for a master URL it cannot parse
            throw new IllegalArgumentException("--spark " + master + ": " + e.getMessage() + ", expected a Spark master"
                    + " URL: local[K], local-cluster[N,CORES,MB], spark://HOST:PORT, yarn or k8s://URL");
        }
    }

    /** Whether tasks run in this JVM (local, local[K], local[K,F]): then they see what it sees. */
    private static boolean inProcess(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    @Override
    public AblateCommand.RowRun[] train(String what, List<ParallelRuns.Job> jobs) {
        String failOnce = System.getProperty(RunTask.FAIL_ONCE, "");
        List<RunTask.Spec> specs = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            ParallelRuns.Job job = jobs.get(i);
            Path dir = job.dir().toAbsolutePath().normalize();
            if (new RunFolder(dir).hasCheckpoint()) { // as a local run says it, but before any task starts
                throw new IllegalArgumentException("--out " + dir + ": found a run with checkpoints, expected an empty"
                        + " or new folder");
            }
            requireSharedPaths(job.recipe());
            String name = dir.getFileName().toString();
            specs.add(new RunTask.Spec(i, name, job.seed(), RecipeJson.toJson(job.recipe()), dir.toString(),
                    name.equals(failOnce)));
        }
        log.printf(Locale.ROOT, "%s: %d runs as Spark tasks on %s (%d task slots)%n", what, jobs.size(), master,
                sc.defaultParallelism());
        Progress progress = new Progress(what, jobs.size(), i -> specs.get(i).name());
        sc.sc().addSparkListener(progress);
        try {
            List<RunTask.Result> results = sc.parallelize(specs, specs.size()).map(RunTask::run).collect();
            return results.stream().map(RunTask.Result::toRowRun).toArray(AblateCommand.RowRun[]::new);
        } catch (RuntimeException e) {
            throw failed(what, e);
        } finally {
            sc.sc().removeSparkListener(progress);
            for (RunTask.Spec s : specs) {
                removeAttempts(Path.of(s.dir()));
            }
        }
    }

    @Override
    public TrainingSession.EvalResult evaluate(Recipe recipe, Path checkpoint, String split, int maxItems,
                                               boolean silence) {
        requireSharedPaths(recipe);
        EvalParts.Plan plan = EvalParts.plan(recipe, split, maxItems);
        int parts = Math.max(1, Math.min(plan.batches(), sc.defaultParallelism()));
        String json = RecipeJson.toJson(recipe);
        String ck = checkpoint.toAbsolutePath().normalize().toString();
        List<EvalTask.Spec> specs = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int first = (int) ((long) p * plan.batches() / parts);
            int next = (int) ((long) (p + 1) * plan.batches() / parts);
            specs.add(new EvalTask.Spec(json, ck, split, maxItems, silence, first, next - first));
        }
        String what = "eval " + split;
        log.printf(Locale.ROOT, "%s: %d batches in %d Spark tasks on %s%n", what, plan.batches(), parts, master);
        Progress progress = new Progress(what, parts, i -> "batches " + specs.get(i).first() + ".."
                + (specs.get(i).first() + specs.get(i).count() - 1));
        sc.sc().addSparkListener(progress);
        try {
            List<EvalParts.Part> scored = sc.parallelize(specs, parts).map(EvalTask::run).collect();
            return EvalParts.join(recipe, plan, split, silence, scored);
        } catch (RuntimeException e) {
            throw failed(what, e);
        } finally {
            sc.sc().removeSparkListener(progress);
        }
    }

    @Override
    public void close() {
        if (owned) {
            sc.stop();
        }
    }

    /**
     * Relative data paths name other folders on executors that run elsewhere (a worker's working folder is its
     * own): refused there, before any task starts.
     */
    private void requireSharedPaths(Recipe r) {
        if (inProcess(master)) {
            return;
        }
        for (String[] field : new String[][] {{"data.path", r.data().path()}, {"data.audioPath", r.data().audioPath()},
                {"cpm.noise", r.cpm().noise().equals("auto") ? "" : r.cpm().noise()}}) {
            if (!field[1].isEmpty() && !Path.of(field[1]).isAbsolute()) {
                throw new IllegalArgumentException("--spark " + master + ": recipe " + field[0] + ": found the "
                        + "relative path " + field[1] + ", expected an absolute path every executor sees (shared "
                        + "storage; docs/scale.md)");
            }
        }
    }

    /** A job Spark gave up on, said in one line: the task's own first line, not Spark's stack trace. */
    private static RuntimeException failed(String what, RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        if (root instanceof IllegalArgumentException || root instanceof cpm.dsl.RecipeException
                || root instanceof cpm.data.DataException) {
            return (RuntimeException) root; // bad input found on an executor: exit 2 as locally
        }
        return new IllegalStateException(what + " on Spark failed: " + msg, e);
    }

    /** Removes what failed attempts left beside a run folder. */
    private static void removeAttempts(Path dir) {
        Path parent = dir.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.filter(p -> RunTask.isAttemptOf(p, dir)).toList()) {
                RunTask.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Says on the driver when each task ends: done (n of N) or failed and why (Spark then retries it). */
    private final class Progress extends SparkListener {
        private final String what;
        private final int tasks;
        private final IntFunction<String> name;
        private int done;

        Progress(String what, int tasks, IntFunction<String> name) {
            this.what = what;
            this.tasks = tasks;
            this.name = name;
        }

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
            var info = end.taskInfo();
            int index = info.index();
            if (index < 0 || index >= tasks) {
                return;
            }
            if (info.successful()) {
                done++;
                log.printf(Locale.ROOT, "%s: %s done on executor %s in %.1f s (%d/%d)%n", what, name.apply(index),
                        info.executorId(), info.duration() / 1e3, done, tasks);
            } else if (end.reason() instanceof TaskFailedReason r) {
                log.printf(Locale.ROOT, "%s: %s, attempt %d on executor %s failed: %s%n", what, name.apply(index),
                        info.attemptNumber() + 1, info.executorId(),
                        r.toErrorString().lines().findFirst().orElse(""));
            }
        }
    }
}
