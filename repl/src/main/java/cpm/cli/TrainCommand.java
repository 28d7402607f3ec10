package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.loop.TrainRun;
import cpm.train.TrainingSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./cpm train RECIPE [--out DIR] [--steps N] [--seed S | --seeds LIST|K] [--data PATH] [--set F=V]...}, or
 * {@code ./cpm train --resume --out DIR [--from step-N]}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a recipe, write the run folder, evaluate on the test split.")
final class TrainCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", arity = "0..1",
            description = "a preset name, a .json recipe or a .jsh script (not needed with --resume)")
    String recipe;

    @Option(names = "--out", paramLabel = "DIR", description = "run folder (default: runs/<recipe name>)")
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "training steps (default: the recipe's optim.steps)")
    Integer steps;

    @Option(names = "--seed", paramLabel = "S", description = "run.seed (default: the recipe's)")
    Integer seed;

    @Option(names = "--data", paramLabel = "PATH", description = "data root on disk; its data.kind is detected from "
            + "the layout when the recipe says synthetic (default: the recipe's data)")
    String data;

    @Option(names = "--threads", paramLabel = "N", description = "run.threads: CPU threads of libtorch (default: the recipe's; 0 = all cores)")
    Integer threads;

    @Option(names = "--seeds", paramLabel = "LIST|K", description = "train several seeds one after another, each "
            + "into OUT/seed-S, and print mean +- sd: a list (1,2,3) or a count K (seeds S..S+K-1 from --seed or "
            + "run.seed)")
    String seeds;

    @Mixin
    SetOption set;

    @Option(names = "--resume", description = "continue the run in --out from its latest checkpoint, exactly")
    boolean resume;

    @Option(names = "--from", paramLabel = "CKPT", description = "with --resume: the checkpoint to continue from, "
            + "step-N or a .ckpt file (default: the newest)")
    String from;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--no-silenced", description = "skip the evaluation with silenced audio")
    boolean noSilenced;

    /** Sets optim.steps; warm-ups that would not fit into a short run shrink to a tenth of it (said on stderr). */
    static Recipe withSteps(Recipe r, int steps) {
        int optimWarmup = r.optim().warmupSteps();
        int cpmWarmup = r.cpm().warmupSteps();
        boolean shrinkOptim = optimWarmup > 0 && optimWarmup >= steps;
        boolean shrinkCpm = cpmWarmup > 0 && cpmWarmup >= steps;
        if (shrinkOptim) {
            noteWarmup("optim.warmupSteps", optimWarmup, steps);
        }
        if (shrinkCpm) {
            noteWarmup("cpm.warmupSteps", cpmWarmup, steps);
        }
        return r.derive(r.name(), b -> {
            b.optim(o -> {
                o.steps(steps);
                if (shrinkOptim) {
                    o.warmupSteps(steps / 10);
                }
            });
            if (shrinkCpm) {
                b.cpm(c -> c.warmupSteps(steps / 10));
            }
        });
    }

    private static void noteWarmup(String field, int warmup, int steps) {
        Cli.err().println("note: " + field + " " + warmup + " does not fit into " + steps + " steps; using " + steps / 10);
    }

    @Override
    public Integer call() {
        return StopSignals.around(this::train);
    }

    private int train(StopSignals stop) {
        if (resume) {
            if (out == null) {
                throw new Main.BadInput("--resume: found no --out, expected --out DIR, the run folder to continue");
            }
            if (set.given() || seeds != null) {
                throw new Main.BadInput("--resume: found " + (set.given() ? "--set" : "--seeds") + " too, expected "
                        + "neither (a resumed run continues its checkpoint's recipe exactly)");
            }
            try (TrainRun run = TrainRun.resume(out, from, Cli.err())) {
                printResult(run, "", stop);
            }
            return stop.exitStatus();
        }
        if (from != null) {
            throw new Main.BadInput("--from " + from + ": found it without --resume, expected --resume --out DIR "
                    + "--from step-N");
        }
        if (recipe == null) {
            throw new Main.BadInput("train: found no RECIPE, expected a preset name, a .json or a .jsh file");
        }
        Recipe r = Cli.recipe(recipe, set);
        if (steps != null) {
            r = withSteps(r, steps);
        }
        r = r.derive(r.name(), b -> {
            if (seed != null) {
                b.run(x -> x.seed(seed));
            }
            if (threads != null) {
                b.run(x -> x.threads(threads));
            }
        });
        if (data != null) {
            r = Cli.withData(r, data);
        }
        Path dir = out != null ? out : Path.of("runs", r.name());
        if (seeds == null) {
            try (TrainRun run = TrainRun.create(r, dir, Cli.err())) {
                printResult(run, "", stop);
            }
            return stop.exitStatus();
        }
        new SeedSweep(SeedSweep.parse(seeds, seed, r.run().seed()), dir).run(r, (rs, d) -> trainOne(rs, d, stop));
        return stop.exitStatus();
    }

    /** One seed of a sweep: trains {@code r} in {@code dir} and prints its result line prefixed with the seed. */
    private TrainRun.Result trainOne(Recipe r, Path dir, StopSignals stop) {
        try (TrainRun run = TrainRun.create(r, dir, Cli.err())) {
            return printResult(run, "seed " + r.run().seed() + ": ", stop);
        }
    }

    /**
     * Trains to the end, evaluates, prints the test line (after {@code prefix}) and the run folder; a signal stops it
     * at a step boundary with a checkpoint ({@link StopSignals}).
     */
    private TrainRun.Result printResult(TrainRun run, String prefix, StopSignals stop) {
        Recipe r = run.session().recipe();
        long until = steps != null ? steps : r.optim().steps();
        stop.watch(run, until);
        Cli.err().printf(Locale.ROOT, "training %s: %d steps, batch %d, %,d parameters -> %s%n", r.name(), until,
                r.optim().batchSize(), run.session().weights().parameterCount(), run.dir());
        TrainRun.Result res = run.trainAndEvaluate(until, !noProgress, !noSilenced);
        TrainingSession.EvalResult e = res.test();
        String line = String.format(Locale.ROOT, "test mIoU %.4f  F-beta %.4f  (%s protocol, %d images)",
                e.miou(), e.fbeta(), e.protocol(), e.images());
        if (res.silenced() != null) {
            TrainingSession.EvalResult s = res.silenced();
            line += String.format(Locale.ROOT, "; silenced audio: mIoU %.4f  F-beta %.4f", s.miou(), s.fbeta());
        }
        Cli.out().println(prefix + line);
        Cli.out().println((prefix.isEmpty() ? "" : "  ") + "run folder: " + run.dir().toAbsolutePath());
        return res;
    }
}
