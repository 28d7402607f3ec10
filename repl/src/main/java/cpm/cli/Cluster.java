package cpm.cli;

import cpm.dsl.Recipe;
import cpm.train.TrainingSession;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Where {@code ablate} and {@code eval} hand their work to a cluster ({@code --spark MASTER}, docs/scale.md). The
 * optional cpm-spark module implements it and {@link ServiceLoader} finds it, so the command line neither depends
 * on Spark nor loads it without {@code --spark}. Whatever runs where, the command writes the files it writes
 * locally: the cluster returns results, the command writes the tables and pictures.
 */
public interface Cluster extends AutoCloseable {

    /** Opens a {@link Cluster} on a master (the ServiceLoader service; cpm-spark's has a no-argument constructor). */
    interface Connector {
        Cluster connect(String master, PrintStream log);
    }

    /**
     * Trains each job as one task, a whole run into {@link ParallelRuns.Job#dir()} as
     * {@link AblateCommand#runOne} trains it locally, and returns the results in the jobs' order. A run folder
     * appears only complete: a task trains into a folder of its own and the first attempt that finishes renames it
     * into place, so a failed and retried task leaves nothing half-written among the results.
     */
    AblateCommand.RowRun[] train(String what, List<ParallelRuns.Job> jobs);

    /**
     * Evaluates the checkpoint {@code checkpoint} under {@code recipe} on the split's first {@code maxItems} items
     * (all when 0), the split cut into runs of evaluation batches scored as tasks: what
     * {@link TrainingSession#evaluate} gives, bit for bit.
     */
    TrainingSession.EvalResult evaluate(Recipe recipe, Path checkpoint, String split, int maxItems, boolean silence);

    /** Stops the cluster's application if this cluster started it. */
    @Override
    void close();

    /** The cluster at {@code master}; without cpm-spark on the class path, bad input saying how to get it. */
    static Cluster connect(String master) {
        for (Connector c : ServiceLoader.load(Connector.class)) {
            return c.connect(master, Cli.err());
        }
        throw new Main.BadInput("--spark " + master + ": found no Spark support on the class path, expected the "
                + "cpm-spark module: run through ./cpm, which builds it when --spark is given, or spark-submit its "
                + "assembly jar (docs/scale.md)");
    }
}
