package cpm.cli;

import cpm.data.DataLayout;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeSource;
import cpm.repl.ScriptEngine;
import cpm.train.loop.RunFolder;

import java.io.PrintStream;
import java.nio.file.Path;

/** Shared helpers of the commands: the current output streams and recipe loading. */
final class Cli {

    static final ThreadLocal<PrintStream> OUT = ThreadLocal.withInitial(() -> System.out);
    static final ThreadLocal<PrintStream> ERR = ThreadLocal.withInitial(() -> System.err);

    private Cli() {
    }

    static PrintStream out() {
        return OUT.get();
    }

    static PrintStream err() {
        return ERR.get();
    }

    /** A preset name, a .json recipe or a .jsh script. */
    static Recipe recipe(String arg) {
        return RecipeSource.load(arg, Cli::fromScript);
    }

    /** A recipe argument with the command's {@code --set} assignments applied. */
    static Recipe recipe(String arg, SetOption set) {
        return set.applyTo(recipe(arg));
    }

    /**
     * {@code r} reading the data folder given as {@code --data}: its absolute path (and data.audioPath's, VPO's
     * sounds; so that {@code ./cpm eval --run}
     * finds it from anywhere), and, when the recipe says only {@code synthetic} (the default), the data.kind the
     * folder's layout shows ({@link DataLayout}), so that the run's recipe.json records what was read.
     */
    static Recipe withData(Recipe r, String data) {
        Path root = Path.of(data).toAbsolutePath().normalize();
        String audio = r.data().audioPath(); // VPO's sound folder: absolute too, for the same reason
        String sounds = audio.isEmpty() ? "" : Path.of(audio).toAbsolutePath().normalize().toString();
        if (!r.data().kind().equals("synthetic")) {
            return r.derive(r.name(), b -> b.data(d -> d.path(root.toString()).audioPath(sounds)));
        }
        DataLayout.Detected d = DataLayout.detect(root);
        err().println("data: " + root + " (" + d.kind() + ", from " + d.evidence() + ")");
        return r.derive(r.name(), b -> b.data(x -> {
            x.kind(d.kind()).path(root.toString()).audioPath(sounds);
            if (d.preset() != null) {
                x.preset(d.preset());
            }
        }));
    }

    /** The latest checkpoint of a run folder given as {@code --run DIR}; none is bad input (exit status 2). */
    static Path latestCheckpoint(Path run) {
        Path ck = new RunFolder(run).latestCheckpoint();
        if (ck == null) {
            throw new Main.BadInput("--run " + run + ": found no checkpoint, expected a run folder written by train");
        }
        return ck;
    }

    /** checkpoints/best.ckpt of a run trained with eval.valInterval; none is bad input. */
    static Path bestCheckpoint(Path run) {
        Path ck = new RunFolder(run).bestCheckpoint();
        if (!java.nio.file.Files.isRegularFile(ck)) {
            throw new Main.BadInput("--checkpoint best: found no " + ck + ", expected a run trained with "
                    + "eval.valInterval > 0 (it keeps the best val mIoU there)");
        }
        return ck;
    }

    static Recipe fromScript(Path jsh) {
        try (ScriptEngine engine = new ScriptEngine()) {
            return engine.evalRecipe(jsh);
        }
    }
}
