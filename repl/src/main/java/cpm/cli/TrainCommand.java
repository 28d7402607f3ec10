package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.TrainRun;
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
        java.util.Map<String, Object> change = new java.util.LinkedHashMap<>();
        change.put("optim.steps", steps);
        for (String w : new String[] {"optim.warmupSteps", "cpm.warmupSteps"}) {
            if (r.getInt(w) > 0 && r.getInt(w) >= steps) {
                change.put(w, steps / 10);
                Cli.err().println("note: " + w + " " + r.getInt(w) + " does not fit into " + steps + " steps; using "
                        + steps / 10);
            }
        }
        return r.with(change);
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
            if (seed != null) {
                r = r.with("run.seed", seed);
            }
            if (threads != null) {
                r = r.with("run.threads", threads);
            }
            if (data != null) {
                r = r.with("data.path", data);
            }
            Path dir = out != null ? out : Path.of("runs", r.name());
            run = TrainRun.create(r, dir, Cli.err());
        }
        try (run) {
            Recipe r = run.session().recipe();
            long until = steps != null ? steps : r.getInt("optim.steps");
            Cli.err().printf(Locale.ROOT, "training %s: %d steps, batch %d, %,d parameters -> %s%n", r.name(), until,
                    r.getInt("optim.batchSize"), run.session().weights().parameterCount(), run.dir());
            run.train(until, !noProgress);
            TrainingSession.EvalResult e = run.evaluateAndDraw("test");
            String line = String.format(Locale.ROOT, "test mIoU %.4f  F-beta %.4f  (%s protocol, %d images)",
                    e.miou(), e.fbeta(), e.protocol(), e.images());
            if (!noSilenced) {
                TrainingSession.EvalResult s = run.session().evaluate("test", r.getInt("eval.maxItems"), true);
                TrainRun.writeEval(run.dir(), s);
                line += String.format(Locale.ROOT, "; silenced audio: mIoU %.4f  F-beta %.4f", s.miou(), s.fbeta());
            }
            Cli.out().println(line);
            Cli.out().println("run folder: " + run.dir().toAbsolutePath());
        }
        return 0;
    }
}
