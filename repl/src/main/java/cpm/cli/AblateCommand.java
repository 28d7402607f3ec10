package cpm.cli;

import cpm.dsl.Ablations;
import cpm.dsl.Recipe;
import cpm.io.AtomicFiles;
import cpm.train.History;
import cpm.train.PredictionPictures;
import cpm.train.TrainingSession;
import cpm.train.loop.RunFolder;
import cpm.train.loop.RunLock;
import cpm.train.loop.TrainRun;
import cpm.viz.Pictures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./cpm ablate RECIPE --table 4|5}: trains every row of the paper's Table 4 (components) or Table 5
 * (distribution representation) from one base recipe on equal budgets, over several seeds, and reports mIoU,
 * F-beta and the matching stability score (mean and spread over seeds).
 */
@Command(name = "ablate", mixinStandardHelpOptions = true,
        description = "Train the rows of the paper's Table 4 or 5 on equal budgets and print the table.")
public final class AblateCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", description = "the base recipe (e.g. tiny)")
    String recipe;

    @Option(names = "--table", required = true, description = "4 (components) or 5 (GMM representation)")
    int table;

    @Option(names = "--steps", paramLabel = "N", description = "steps per run (default: the recipe's optim.steps)")
    Integer steps;

    @Option(names = "--seeds", defaultValue = "1", paramLabel = "K", description = "seeds per row (default: ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--seed", paramLabel = "S", description = "first seed; the seeds are S, S+1, ... (default: the recipe's run.seed)")
    Integer seed;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: runs/ablation-table<T>)")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "run.threads: CPU threads of libtorch (default: the recipe's; 0 = all cores)")
    Integer threads;

    @Option(names = "--no-progress", description = "no progress bars")
    boolean noProgress;

    @Option(names = "--rows", split = ",", paramLabel = "ROW", description = "only these rows, comma-separated "
            + "(default: all; table 4: baseline, ccdm, vcp, acp, vcp-acp, cpm; table 5: point, dist, m1, m3, m5, m7)")
    List<String> only;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "K", description = "trainings run side by side in "
            + "this process, each with run.threads libtorch threads (default: ${DEFAULT-VALUE}, one after another); "
            + "the results are the same")
    int parallel;

    @Option(names = "--spark", paramLabel = "MASTER", description = "run each (row, seed) as a task of an Apache "
            + "Spark application on MASTER (local[K], local-cluster[...], spark://HOST:PORT, ...; docs/scale.md); "
            + "the results are the same")
    String spark;

    @Mixin
    SetOption set;

    @Override
    public Integer call() {
        return StopSignals.around(this::ablate);
    }

    private int ablate(StopSignals stop) {
        if (table != 4 && table != 5) {
            throw new Main.BadInput("--table: found " + table + ", expected 4 or 5");
        }
        ParallelRuns.checkCounts(seeds, parallel, spark);
        Recipe base = Cli.recipe(recipe, set);
        if (steps != null) {
            base = TrainCommand.withSteps(base, steps);
        }
        if (threads != null) {
            base = base.derive(base.name(), b -> b.run(r -> r.threads(threads)));
        }
        Path dir = out != null ? out : Path.of("runs", "ablation-table" + table);
        List<Ablations.Row> rows = selected(table == 4 ? Ablations.table4(base) : Ablations.table5(base));
        // the cluster first: a --spark that cannot start leaves no folder behind
        try (Cluster cluster = spark == null ? null : Cluster.connect(spark);
             RunLock lock = new RunFolder(dir).lock("--out", "ablate")) { // each row's run locks its own folder too
            return trainRows(base, dir, rows, stop, cluster);
        }
    }

    /** The rows named by --rows, in the table's order; all without it. */
    private List<Ablations.Row> selected(List<Ablations.Row> all) {
        if (only == null) {
            return all;
        }
        List<String> names = all.stream().map(Ablations.Row::name).toList();
        for (String n : only) {
            if (!names.contains(n)) {
                throw new Main.BadInput("--rows: found " + n + ", expected rows of table " + table + ": "
                        + String.join(", ", names));
            }
        }
        return all.stream().filter(r -> only.contains(r.name())).toList();
    }

    private int trainRows(Recipe base, Path dir, List<Ablations.Row> rows, StopSignals stop, Cluster cluster) {
        int firstSeed = seed != null ? seed : base.run().seed();
        List<ParallelRuns.Job> jobs = new ArrayList<>();
        for (Ablations.Row row : rows) {
            for (int s = 0; s < seeds; s++) {
                int runSeed = firstSeed + s;
                Recipe rec = row.recipe().derive(row.recipe().name(), b -> b.run(x -> x.seed(runSeed)));
                jobs.add(new ParallelRuns.Job(row.name(), runSeed, rec, dir.resolve(row.name() + "-seed" + runSeed)));
            }
        }
        String what = "ablation table " + table;
        ParallelRuns.Outcome o = ParallelRuns.execute(what, jobs, parallel, !noProgress, stop,
                j -> "row " + j.row() + ", seed " + j.seed(), cluster);
        if (o.interrupted() != null) {
            return o.interrupted();
        }
        RowRun[] done = o.results();
        StringBuilder csv = new StringBuilder("row,seed,miou,fbeta,sts,miou_silenced,protocol\n");
        Map<String, double[][]> results = new LinkedHashMap<>();
        Map<String, History> stsCurves = new LinkedHashMap<>();
        for (int i = 0; i < jobs.size(); i++) {
            ParallelRuns.Job job = jobs.get(i);
            int s = i % seeds;
            double[][] r = results.computeIfAbsent(job.row(), k -> new double[4][seeds]);
            RowRun run = done[i];
            TrainingSession.EvalResult e = run.test();
            double sts = lastSts(run.history());
            r[0][s] = e.miou();
            r[1][s] = e.fbeta();
            r[2][s] = sts;
            r[3][s] = run.silenced().miou();
            csv.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.6f,%.6f,%s%n", job.row(), job.seed(), e.miou(),
                    e.fbeta(), sts, r[3][s], e.protocol()));
            if (s == 0) {
                stsCurves.put(job.row(), run.history());
            }
        }
        AtomicFiles.writeString(dir.resolve("ablation-table" + table + ".csv"), csv.toString());
        List<String> names = new ArrayList<>(results.keySet());
        Map<String, double[]> means = new LinkedHashMap<>();
        Map<String, double[]> sds = new LinkedHashMap<>();
        String[] metrics = {"mIoU", "F-beta"};
        for (int k = 0; k < 2; k++) {
            double[] mu = new double[names.size()];
            double[] sd = new double[names.size()];
            for (int i = 0; i < names.size(); i++) {
                double[] v = results.get(names.get(i))[k];
                mu[i] = mean(v);
                sd[i] = sd(v);
            }
            means.put(metrics[k], mu);
            sds.put(metrics[k], sd);
        }
        Pictures.bars("Table " + table + " on " + base.name() + " (" + seeds + " seed(s))", names, means, sds,
                dir.resolve("ablation-table" + table + ".png"));
        PredictionPictures.compare(stsCurves, "sts", dir.resolve("sts-table" + table + ".png"));
        Cli.out().printf(Locale.ROOT, "Table %d on %s, %d step(s) per run, seeds %d..%d, %s protocol (mean +- sd)%n",
                table, base.name(), base.optim().steps(), firstSeed, firstSeed + seeds - 1, base.eval().label());
        Cli.out().printf(Locale.ROOT, "%-10s %-17s %-17s %-17s %-17s%n", "row", "mIoU", "F-beta", "STS",
                "mIoU, silenced");
        for (String n : names) {
            double[][] v = results.get(n);
            Cli.out().printf(Locale.ROOT, "%-10s %.4f +- %.4f   %.4f +- %.4f   %.4f +- %.4f   %.4f +- %.4f%n", n,
                    mean(v[0]), sd(v[0]), mean(v[1]), sd(v[1]), mean(v[2]), sd(v[2]), mean(v[3]), sd(v[3]));
        }
        Cli.out().println("wrote " + dir.resolve("ablation-table" + table + ".csv") + " and the bar chart beside it");
        return 0;
    }

    /** One run of a row: its final test scores and its history. */
    public record RowRun(TrainingSession.EvalResult test, TrainingSession.EvalResult silenced, History history) {
    }

    /** Trains one row's recipe for its optim.steps in {@code runDir} and evaluates it, as {@code ./cpm train} does. */
    static RowRun runOne(Recipe rec, Path runDir, boolean progress) {
        return runOne(rec, runDir, progress, null, Cli.err());
    }

    /** As above without a progress bar, logging to {@code log}: a task on a cluster's executor ({@link Cluster}). */
    public static RowRun runOne(Recipe rec, Path runDir, PrintStream log) {
        return runOne(rec, runDir, false, null, log);
    }

    /** As above, logging to {@code log}; {@code stop} (if not null) interrupts the run on SIGINT / SIGTERM. */
    static RowRun runOne(Recipe rec, Path runDir, boolean progress, StopSignals stop, PrintStream log) {
        try (TrainRun run = TrainRun.create(rec, runDir, log)) {
            if (stop != null) {
                stop.watch(run, rec.optim().steps());
            }
            TrainRun.Result res = run.trainAndEvaluate(rec.optim().steps(), progress, true);
            return new RowRun(res.test(), res.silenced(), run.history());
        }
    }

    static double lastSts(History h) {
        List<History.Row> rows = h.rows();
        for (int i = rows.size() - 1; i >= 0; i--) {
            if (Double.isFinite(rows.get(i).sts())) {
                return rows.get(i).sts();
            }
        }
        return Double.NaN;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double sd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
