package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.loop.StopRequestListener;
import cpm.train.loop.TrainRun;
import cpm.train.TrainingSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./cpm train RECIPE [--out DIR] [--steps N] [--seed S] [--data PATH] [--resume]}. */
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

    @Option(names = "--data", paramLabel = "PATH", description = "data.path (default: the recipe's)")
    String data;

    @Option(names = "--threads", paramLabel = "N", description = "run.threads: CPU threads of libtorch (default: the recipe's; 0 = all cores)")
    Integer threads;

    @Option(names = "--resume", description = "continue the run in --out from its latest checkpoint, exactly")
    boolean resume;

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
        TrainRun run;
        if (resume) {
            if (out == null) {
                throw new Main.BadInput("--resume: found no --out, expected --out DIR, the run folder to continue");
            }
            run = TrainRun.resume(out, Cli.err());
        } else {
            if (recipe == null) {
                throw new Main.BadInput("train: found no RECIPE, expected a preset name, a .json or a .jsh file");
            }
            Recipe r = Cli.recipe(recipe);
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
                if (data != null) {
                    b.data(d -> d.path(data));
                }
            });
            Path dir = out != null ? out : Path.of("runs", r.name());
            run = TrainRun.create(r, dir, Cli.err());
        }
        try (run; StopSignals stop = StopSignals.install(Cli.err())) {
            Recipe r = run.session().recipe();
            long until = steps != null ? steps : r.optim().steps();
            stop.watch(run, until);
            Cli.err().printf(Locale.ROOT, "training %s: %d steps, batch %d, %,d parameters -> %s%n", r.name(), until,
                    r.optim().batchSize(), run.session().weights().parameterCount(), run.dir());
            TrainRun.Result res;
            try {
                res = run.trainAndEvaluate(until, !noProgress, !noSilenced);
            } catch (StopRequestListener.Interrupted e) {
                return stop.stopped(e);
            }
            TrainingSession.EvalResult e = res.test();
            String line = String.format(Locale.ROOT, "test mIoU %.4f  F-beta %.4f  (%s protocol, %d images)",
                    e.miou(), e.fbeta(), e.protocol(), e.images());
            if (res.silenced() != null) {
                TrainingSession.EvalResult s = res.silenced();
                line += String.format(Locale.ROOT, "; silenced audio: mIoU %.4f  F-beta %.4f", s.miou(), s.fbeta());
            }
            Cli.out().println(line);
            Cli.out().println("run folder: " + run.dir().toAbsolutePath());
            return stop.exitStatus();
        }
    }
}
