package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.loop.RunFolder;
import cpm.train.loop.RunLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code ./cpm sweep RECIPE --set FIELD=V1,V2,... [--set ...] --seeds K}: trains every point of the grid the
 * {@code --set} lists span (their cross product) under K seeds, each run as {@code ./cpm train --set ...} would
 * train it, into {@code OUT/<point>-seed<S>}, and writes the table of results ({@link SweepResults}). The whole grid
 * is checked before the first training. The runs are one list of jobs handed to {@link ParallelRuns#execute}, the one
 * place (shared with ablate) that decides where they run.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Train a grid of recipe field values (the cross product of the --set lists) over seeds and "
                + "write the table of results.")
final class SweepCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", description = "the base recipe (e.g. tiny)")
    String recipe;

    @Option(names = "--set", required = true, paramLabel = "FIELD=V1,V2,...", description = "a recipe field by its "
            + "dotted name and the values to sweep, comma-separated (semicolon-separated for a list field such as "
            + "data.classes); repeatable, once per field; one value fixes the field for every run")
    List<String> sets;

    @Option(names = "--steps", paramLabel = "N", description = "steps per run (default: the recipe's optim.steps)")
    Integer steps;

    @Option(names = "--seeds", defaultValue = "1", paramLabel = "K", description = "seeds per grid point "
            + "(default: ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--seed", paramLabel = "S", description = "first seed; the seeds are S, S+1, ... (default: each "
            + "point's run.seed)")
    Integer seed;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: runs/sweep-<recipe name>)")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "run.threads: CPU threads of libtorch (default: "
            + "the recipe's; 0 = all cores)")
    Integer threads;

    @Option(names = "--no-progress", description = "no progress bars")
    boolean noProgress;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "K", description = "trainings run side by side in "
            + "this process, each with run.threads libtorch threads (default: ${DEFAULT-VALUE}, one after another); "
            + "the results are the same")
    int parallel;

    @Option(names = "--spark", paramLabel = "MASTER", description = "run each (point, seed) as a task of an Apache "
            + "Spark application on MASTER (local[K], local-cluster[...], spark://HOST:PORT, ...; docs/scale.md); "
            + "the results are the same")
    String spark;

    @Option(names = "--max-runs", defaultValue = "1000", paramLabel = "N", description = "refuse a grid of more "
            + "runs (points x seeds) than this (default: ${DEFAULT-VALUE})")
    long maxRuns;

    @Option(names = "--dry-run", description = "check the grid and list its runs and folders, train nothing")
    boolean dryRun;

    @Override
    public Integer call() {
        return StopSignals.around(this::sweep);
    }

    private int sweep(StopSignals stop) {
        ParallelRuns.checkCounts(seeds, parallel, spark);
        Recipe base = Cli.recipe(recipe);
        SweepGrid grid = SweepGrid.parse(sets, base);
        long runs = grid.runs(seeds);
        if (runs > maxRuns) {
            throw new Main.BadInput(String.format(Locale.ROOT, "--set: found a grid of %,d runs (%,d points x %d "
                    + "seed(s)), expected at most %,d (--max-runs N allows more)", runs, grid.points(), seeds, maxRuns));
        }
        List<SweepGrid.Point> points = onceEach(() -> grid.points(base, base.name(), this::withOptions));
        Path dir = out != null ? out : Path.of("runs", "sweep-" + base.name());
        Map<ParallelRuns.Job, String> labels = new IdentityHashMap<>();
        List<ParallelRuns.Job> jobs = jobs(grid, points, dir, labels);
        if (dryRun) {
            for (ParallelRuns.Job j : jobs) {
                Cli.out().println(j.dir() + "  " + labels.get(j));
            }
            Cli.out().printf(Locale.ROOT, "%d run(s): %d point(s) x %d seed(s); nothing trained (--dry-run)%n",
                    jobs.size(), points.size(), seeds);
            return 0;
        }
        for (ParallelRuns.Job j : jobs) {   // a clash found now, not after hours of training
            if (new RunFolder(j.dir()).hasCheckpoint()) {
                throw new Main.BadInput("--out " + j.dir() + ": found a run with checkpoints, expected new folders "
                        + "for the sweep (choose another --out)");
            }
        }
        // the cluster first: a --spark that cannot start leaves no folder behind
        try (Cluster cluster = spark == null ? null : Cluster.connect(spark);
             RunLock lock = new RunFolder(dir).lock("--out", "sweep")) { // each run locks its own folder too
            ParallelRuns.Outcome o = ParallelRuns.execute("sweep", jobs, parallel, !noProgress, stop, labels::get,
                    cluster);
            if (o.interrupted() != null) {
                return o.interrupted();
            }
            Recipe first = points.get(0).recipe();
            String heading = String.format(Locale.ROOT, "Sweep of %s: %d point(s) x %d seed(s), %d step(s) per run, "
                            + "%s protocol (mean +- sd over seeds)", base.name(), points.size(), seeds,
                    first.optim().steps(), first.eval().label());
            new SweepResults(grid.axes(), points, seeds, jobs, o.results()).write(dir, heading,
                    "Sweep of " + base.name() + " (" + seeds + " seed(s), mean +- sd)", Cli.out());
        }
        return 0;
    }

    /** {@code --steps} and {@code --threads} on a point's recipe, after its --set values, as train applies them. */
    private Recipe withOptions(Recipe r) {
        Recipe s = steps != null ? TrainCommand.withSteps(r, steps) : r;
        return threads == null ? s : s.derive(s.name(), b -> b.run(x -> x.threads(threads)));
    }

    /** The jobs, point by point, seeds inner (the order of sweep.csv); {@code labels} gets each in words. */
    private List<ParallelRuns.Job> jobs(SweepGrid grid, List<SweepGrid.Point> points, Path dir,
                                        Map<ParallelRuns.Job, String> labels) {
        List<ParallelRuns.Job> jobs = new ArrayList<>();
        for (SweepGrid.Point p : points) {
            int first = seed != null ? seed : p.recipe().run().seed();
            if ((long) first + seeds - 1 > Integer.MAX_VALUE) {
                throw new Main.BadInput("--seeds: found " + seeds + " seeds from " + first + ", expected the last "
                        + "seed at most " + Integer.MAX_VALUE);
            }
            for (int s = 0; s < seeds; s++) {
                int runSeed = first + s;
                Recipe r = p.recipe().derive(p.recipe().name(), b -> b.run(x -> x.seed(runSeed)));
                ParallelRuns.Job j = new ParallelRuns.Job(p.name(), runSeed, r, dir.resolve(p.name() + "-seed" + runSeed));
                jobs.add(j);
                labels.put(j, p.describe(grid.axes()) + ", seed " + runSeed);
            }
        }
        return jobs;
    }

    /**
     * Runs {@code work} with stderr collected, then prints each distinct line once: the notes of
     * {@link TrainCommand#withSteps} would otherwise repeat for every grid point.
     */
    private static <T> T onceEach(Supplier<T> work) {
        PrintStream err = Cli.err();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream collect = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Cli.ERR.set(collect);
            try {
                return work.get();
            } finally {
                Cli.ERR.set(err);
                Set<String> lines = new LinkedHashSet<>(buf.toString(StandardCharsets.UTF_8).lines().toList());
                lines.forEach(err::println);
            }
        }
    }
}
