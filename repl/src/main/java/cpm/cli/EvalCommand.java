package cpm.cli;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import cpm.dsl.RecipeOverrides;
import cpm.eval.SegmentationMetrics;
import cpm.train.Checkpoint;
import cpm.train.SessionCheckpoint;
import cpm.train.loop.RunFolder;
import cpm.train.loop.RunLock;
import cpm.train.TrainingSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./cpm eval --run DIR [--checkpoint latest|best|step-N|FILE] [--data PATH] [--split test] [--protocol P]
 * [--set F=V]}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a run's newest checkpoint (or the one --checkpoint names).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "run folder written by train")
    Path run;

    @Option(names = "--data", paramLabel = "PATH", description = "another data root (default: the data the run was "
            + "trained on); the scores of other data go to eval-SPLIT@NAME.csv, NAME the data folder's name, so the "
            + "run's own stay")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "split to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--silence", description = "evaluate with silenced audio")
    boolean silence;

    /** Fields of the run's recipe to evaluate differently, e.g. --set eval.maxItems=10 (shapes must still fit). */
    @Mixin
    SetOption set;

    @Option(names = "--protocol", paramLabel = "P", description = "score under another protocol without retraining: "
            + "per-dataset, per-image or cavp, with /ms for CAVP's multi-source frames only (e.g. cavp/ms); the same "
            + "as --set eval.protocol=P --set eval.subset=ms|all (default: the run's)")
    String protocol;

    @Option(names = {"--checkpoint", "--from"}, defaultValue = "latest", paramLabel = "WHICH", description = "latest, "
            + "best (the best val mIoU of a run trained with eval.valInterval; scores go to eval-SPLIT-best.csv), a step "
            + "(N or step-N; eval-SPLIT-step-N.csv) or a .ckpt file (default: ${DEFAULT-VALUE})")
    String checkpoint;

    @Option(names = "--spark", paramLabel = "MASTER", description = "score the split as tasks of an Apache Spark "
            + "application on MASTER, a run of evaluation batches each (docs/scale.md); the scores are the same")
    String spark;

    @Override
    public Integer call() {
        if (!List.of("train", "val", "test").contains(split)) {
            throw new Main.BadInput("--split: found \"" + split + "\", expected train, val or test");
        }
        protocolName(); // a wrong name is reported before the run is read
        RunFolder folder = new RunFolder(run);
        // shared: evaluations run side by side, but not while a training writes the run
        try (RunLock lock = folder.lockShared("--run")) {
            Path ck = checkpoint(folder);
            Checkpoint c = folder.readCheckpoint(ck, step -> "./cpm eval --run " + run + " --checkpoint step-" + step);
            Recipe own = SessionCheckpoint.recipeOf(c, ck);
            Recipe r = withProtocol(set.applyTo(own));
            // scores under another protocol go to their own files, so the run's own (what train wrote) stay
            String otherProtocol = r.eval().label().equals(own.eval().label()) ? ""
                    : r.eval().label().replace('/', '-');
            String dataName = null;
            if (data != null && !sameFolder(data, r.data().path())) {
                dataName = RunFolder.dataName(data);
                r = Cli.withData(r, data);
            }
            Scored scored = spark == null ? here(r, c, ck) : onCluster(r, c, ck);
            TrainingSession.EvalResult e = scored.result();
            String tag = tag(ck);
            tag = tag.isEmpty() || otherProtocol.isEmpty() ? tag + otherProtocol : tag + "-" + otherProtocol;
            List<Path> written = folder.writeEval(e, tag, dataName);
            Cli.out().printf(Locale.ROOT, "%s mIoU %.4f  F-beta %.4f  (%s protocol, %d images, step %d)%n", split,
                    e.miou(), e.fbeta(), e.protocol(), e.images(), scored.step());
            Cli.out().printf("per class (%s protocol):%n", e.protocol());
            for (var cs : e.perClass()) {
                Cli.out().printf(Locale.ROOT, "  %-12s IoU %.4f  F %.4f  pixels %d%n", cs.name(), cs.iou(),
                        cs.fbeta(), cs.pixels());
            }
            Cli.out().println("wrote " + written.get(0) + " and " + written.get(1).getFileName()
                    + (dataName == null && otherProtocol.isEmpty() ? "" : " (the run's own "
                    + folder.evalFile(split, silence).getFileName() + " is kept)"));
        }
        return 0;
    }

    /** The scores and the step of the checkpoint they are of. */
    private record Scored(TrainingSession.EvalResult result, long step) {
    }

    /** Scored in this process. */
    private Scored here(Recipe r, Checkpoint c, Path ck) {
        try (TrainingSession s = new TrainingSession(r)) {
            SessionCheckpoint.restore(s, c, ck);
            return new Scored(s.evaluate(split, r.eval().maxItems(), silence), s.stepsDone());
        }
    }

    /** Scored by the cluster's tasks, with no model here. */
    private Scored onCluster(Recipe r, Checkpoint c, Path ck) {
        try (Cluster cluster = Cluster.connect(spark)) { // once the run is read: a wrong --run costs no start-up
            return new Scored(cluster.evaluate(r, ck, split, r.eval().maxItems(), silence),
                    SessionCheckpoint.stepOf(c, ck));
        }
    }

    /** {@code r} scored under --protocol (its recipe rules, e.g. per-image needs binary labels, still hold). */
    private Recipe withProtocol(Recipe r) {
        if (protocol == null) {
            return r;
        }
        String name = protocolName();
        try {
            return RecipeOverrides.apply(r, List.of("eval.protocol=" + name,
                    "eval.subset=" + (name.equals(protocol) ? "all" : "ms")), "--protocol");
        } catch (RecipeException e) {
            throw new Main.BadInput(e.problems().get(0).toString()); // names --protocol and the field
        }
    }

    /** The protocol --protocol names, without /ms; null without --protocol. */
    private String protocolName() {
        if (protocol == null) {
            return null;
        }
        String name = protocol.endsWith("/ms") ? protocol.substring(0, protocol.length() - 3) : protocol;
        if (!SegmentationMetrics.PROTOCOLS.contains(name)) {
            throw new Main.BadInput("--protocol: found \"" + protocol + "\", expected per-dataset, per-image or cavp,"
                    + " optionally with /ms (e.g. cavp/ms)");
        }
        return name;
    }

    /** The checkpoint --checkpoint names. */
    private Path checkpoint(RunFolder folder) {
        return switch (checkpoint) {
            case "latest" -> Cli.latestCheckpoint(run);
            case "best" -> Cli.bestCheckpoint(run);
            default -> folder.checkpointFrom("--checkpoint", checkpoint, "latest, best, ");
        };
    }

    /** The tag of the eval files: none for the latest checkpoint, so the run's own scores are what train wrote. */
    private String tag(Path ck) {
        if (checkpoint.equals("latest")) {
            return "";
        }
        if (checkpoint.equals("best")) {
            return "best";
        }
        long step = RunFolder.checkpointStep(ck);
        return step >= 0 ? "step-" + step : "ckpt-" + RunFolder.dataName(ck.getFileName().toString());
    }

    /** Whether {@code --data} names the data the run was trained on (then its scores are the run's own). */
    private static boolean sameFolder(String data, String runData) {
        if (runData.isEmpty()) {
            return data.isEmpty();
        }
        return Path.of(data).toAbsolutePath().normalize().equals(Path.of(runData).toAbsolutePath().normalize());
    }
}
