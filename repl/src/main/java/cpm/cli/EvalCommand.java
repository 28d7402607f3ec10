package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.Checkpoint;
import cpm.train.SessionCheckpoint;
import cpm.train.loop.RunFolder;
import cpm.train.TrainingSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./cpm eval --run DIR [--data PATH] [--split test] [--checkpoint latest|best|STEP]}. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a run's last (or best) checkpoint.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "run folder written by train")
    Path run;

    @Option(names = "--data", paramLabel = "PATH", description = "another data root (default: the data the run was trained on)")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "split to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--silence", description = "evaluate with silenced audio")
    boolean silence;

    /** Fields of the run's recipe to evaluate differently, e.g. --set eval.maxItems=10 (shapes must still fit). */
    @Mixin
    SetOption set;

    @Option(names = "--checkpoint", defaultValue = "latest", paramLabel = "WHICH", description = "latest, best (the "
            + "best val mIoU of a run trained with eval.valInterval; scores go to eval-SPLIT-best.csv) or a step "
            + "number N (eval-SPLIT-step-N.csv) (default: ${DEFAULT-VALUE})")
    String checkpoint;

    @Override
    public Integer call() {
        if (!java.util.List.of("train", "val", "test").contains(split)) {
            throw new Main.BadInput("--split: found \"" + split + "\", expected train, val or test");
        }
        Path ck = Cli.checkpoint(run, checkpoint);
        Checkpoint c = Checkpoint.read(ck);
        Recipe r = set.applyTo(SessionCheckpoint.recipeOf(c, ck));
        if (data != null) {
            r = Cli.withData(r, data);
        }
        try (TrainingSession s = new TrainingSession(r)) {
            SessionCheckpoint.restore(s, c, ck);
            TrainingSession.EvalResult e = s.evaluate(split, r.eval().maxItems(), silence);
            new RunFolder(run).writeEval(e, checkpoint.equals("latest") ? ""
                    : checkpoint.equals("best") ? "best" : "step-" + checkpoint);
            Cli.out().printf(Locale.ROOT, "%s mIoU %.4f  F-beta %.4f  (%s protocol, %d images, step %d)%n", split,
                    e.miou(), e.fbeta(), e.protocol(), e.images(), s.stepsDone());
            for (var cs : e.perClass()) {
                Cli.out().printf(Locale.ROOT, "  %-12s IoU %.4f  F %.4f  pixels %d%n", cs.name(), cs.iou(), cs.fbeta(),
                        cs.pixels());
            }
        }
        return 0;
    }
}
