package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.Checkpoint;
import cpm.train.SessionCheckpoint;
import cpm.train.loop.RunFolder;
import cpm.train.loop.RunLock;
import cpm.train.TrainingSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./cpm eval --run DIR [--from step-N] [--data PATH] [--split test]}. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a run's newest checkpoint (or the one --from names).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "run folder written by train")
    Path run;

    @Option(names = "--from", paramLabel = "CKPT", description = "the checkpoint to evaluate, step-N or a .ckpt file "
            + "(default: the newest)")
    String from;

    @Option(names = "--data", paramLabel = "PATH", description = "data.path (default: the run's); the scores of other "
            + "data go to eval-SPLIT@NAME.csv, NAME the data folder's name, so the run's own stay")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "split to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--silence", description = "evaluate with silenced audio")
    boolean silence;

    @Override
    public Integer call() {
        if (!List.of("train", "val", "test").contains(split)) {
            throw new Main.BadInput("--split: found \"" + split + "\", expected train, val or test");
        }
        RunFolder folder = new RunFolder(run);
        // shared: evaluations run side by side, but not while a training writes the run
        try (RunLock lock = folder.lockShared("--run")) {
            Path ck = from != null ? folder.checkpointFrom("--from", from) : Cli.latestCheckpoint(run);
            Checkpoint c = folder.readCheckpoint(ck, step -> "./cpm eval --run " + run + " --from step-" + step);
            Recipe r = SessionCheckpoint.recipeOf(c, ck);
            String dataName = null;
            if (data != null && !sameFolder(data, r.data().path())) {
                dataName = RunFolder.dataName(data);
                r = r.derive(r.name(), b -> b.data(d -> d.path(data)));
            }
            try (TrainingSession s = new TrainingSession(r)) {
                SessionCheckpoint.restore(s, c, ck);
                TrainingSession.EvalResult e = s.evaluate(split, r.eval().maxItems(), silence);
                List<Path> written = folder.writeEval(e, dataName);
                Cli.out().printf(Locale.ROOT, "%s mIoU %.4f  F-beta %.4f  (%s protocol, %d images, step %d)%n", split,
                        e.miou(), e.fbeta(), e.protocol(), e.images(), s.stepsDone());
                for (var cs : e.perClass()) {
                    Cli.out().printf(Locale.ROOT, "  %-12s IoU %.4f  F %.4f  pixels %d%n", cs.name(), cs.iou(),
                            cs.fbeta(), cs.pixels());
                }
                Cli.out().println("wrote " + written.get(0) + " and " + written.get(1).getFileName()
                        + (dataName == null ? "" : " (the run's own " + folder.evalFile(split, silence).getFileName()
                        + " is kept)"));
            }
        }
        return 0;
    }

    /** Whether {@code --data} names the data the run was trained on (then its scores are the run's own). */
    private static boolean sameFolder(String data, String runData) {
        if (runData.isEmpty()) {
            return data.isEmpty();
        }
        return Path.of(data).toAbsolutePath().normalize().equals(Path.of(runData).toAbsolutePath().normalize());
    }
}
