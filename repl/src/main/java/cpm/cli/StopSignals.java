package cpm.cli;

import cpm.train.loop.RunFolder;
import cpm.train.loop.StopRequestListener;
import cpm.train.loop.TrainRun;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SIGINT (Ctrl-C) and SIGTERM while {@code ./cpm train} or {@code ./cpm ablate} trains: the first signal interrupts
 * the session of every watched run not yet finished ({@link cpm.train.TrainingSession#interrupt}; several with
 * {@code ablate --parallel}), so each loop ends at its next step boundary with a checkpoint of the step reached
 * ({@link StopRequestListener.Interrupted}); the command then says where each stopped and how to resume
 * ({@link #stopped}) and exits with 128 + the signal's number (130, 143), as a shell expects of a process a signal
 * ended. A second signal quits at once. A signal ends the process at once, too, when there is nothing to save:
 * before a run is watched, or once the last step of every watched run is saved (during the final evaluation and
 * pictures, which {@code ./cpm eval --run} can redo). {@link #close()} gives back the previous handlers.
 */
final class StopSignals implements AutoCloseable {

    /** The signals handled, with their numbers (the same on Linux and macOS). */
    private static final Map<String, Integer> NUMBERS = Map.of("INT", 2, "TERM", 15);

    private final PrintStream err;
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final Map<TrainRun, Long> runs = new LinkedHashMap<>(); // watched, with the step each trains to
    private TrainRun latest;
    private volatile String received;
    private String abandoned;

    private StopSignals(PrintStream err) {
        this.err = err;
    }

    /** Handles SIGINT and SIGTERM until {@link #close()}. */
    /**
     * Runs a command's body with SIGINT / SIGTERM turned into a stop at the next step boundary: the body's exit
     * status, or 130 / 143 after the stop (what train, ablate and sweep share).
     */
    static int around(java.util.function.ToIntFunction<StopSignals> body) {
        try (StopSignals stop = install(Cli.err())) {
            try {
                return body.applyAsInt(stop);
            } catch (StopRequestListener.Interrupted e) {
                return stop.stopped(e);
            }
        }
    }

    static StopSignals install(PrintStream err) {
        StopSignals s = new StopSignals(err);
        for (String name : List.of("INT", "TERM")) {
            Signal sig = new Signal(name);
            try {
                s.previous.put(sig, Signal.handle(sig, s::handle));
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal for itself (-Xrs): its own handling stays
            }
        }
        return s;
    }

    /**
     * A run a signal interrupts from now on, trained to {@code untilStep} (a signal received before stops it). Runs
     * watched before stay watched: those finished and saved no longer hold a signal back.
     */
    synchronized void watch(TrainRun r, long untilStep) {
        runs.put(r, untilStep);
        latest = r;
        String why = received != null ? received : abandoned;
        if (why != null) {
            r.session().interrupt(why);
        }
    }

    /**
     * Stops every watched run not yet finished, and any watched later, as a signal would but without one: another
     * of the trainings run side by side failed, and the command ends.
     */
    synchronized void abandon(String reason) {
        abandoned = reason;
        runs.forEach((r, until) -> {
            if (!finishedAndSaved(r, until)) {
                r.session().interrupt(reason);
            }
        });
    }

    /** Whether a signal was received (a command running several trainings starts no more). */
    boolean signalled() {
        return received != null;
    }

    /** 0, or 128 + the number of the signal received. */
    int exitStatus() {
        String why = received;
        return why == null ? 0 : exitStatus(why);
    }

    static int exitStatus(String reason) {
        Integer n = NUMBERS.get(reason.replaceFirst("^SIG", ""));
        return n == null ? 1 : 128 + n;
    }

    private synchronized void handle(Signal sig) {
        String name = "SIG" + sig.getName();
        int status = 128 + sig.getNumber();
        List<TrainRun> training = new ArrayList<>();
        runs.forEach((r, until) -> {
            if (!finishedAndSaved(r, until)) {
                training.add(r);
            }
        });
        String quit = runs.isEmpty() ? "before training started: nothing to save"
                : received != null ? "again: the steps since the latest checkpoint are lost"
                : training.isEmpty() ? "after the last step was saved: quitting (./cpm eval --run " + latest.dir()
                + " evaluates the run)" : null;
        if (quit != null) {
            err.println();
            err.println("cpm: " + name + " " + quit);
            err.flush();
            System.out.flush();
            Runtime.getRuntime().halt(status); // as Main.main ends: the JVM's shutdown would wait for libtorch
        }
        received = name;
        err.println();
        err.println("cpm: " + name + ": stopping " + (training.size() == 1 ? "" : training.size() + " runs ")
                + "after this step to save a checkpoint (" + (name.equals("SIGINT") ? "Ctrl-C" : name)
                + " again quits at once, losing the steps since the latest checkpoint)");
        for (TrainRun r : training) {
            r.session().interrupt(name);
        }
    }

    /** Whether the run trained all its steps and its checkpoint of the last one is written. */
    private static boolean finishedAndSaved(TrainRun r, long until) {
        long done = r.session().stepsDone();
        Path ck = r.folder().latestCheckpoint();
        return done >= until && ck != null && RunFolder.checkpointStep(ck) >= until;
    }

    /**
     * Says where an interrupted run stopped, which checkpoint holds it and how to resume; returns the exit status.
     */
    int stopped(StopRequestListener.Interrupted e) {
        TrainRun r;
        synchronized (this) {
            r = latest;
        }
        return stopped(r.dir(), e);
    }

    /** As {@link #stopped(StopRequestListener.Interrupted)}, for the run in {@code dir}. */
    int stopped(Path dir, StopRequestListener.Interrupted e) {
        RunFolder folder = new RunFolder(dir);
        Path ck = folder.latestCheckpoint();
        String resume = "resume with: ./cpm train --resume --out " + dir;
        if (ck == null) {
            err.println("stopped " + dir + " before its first step (" + e.reason() + "): nothing to save");
        } else if (RunFolder.checkpointStep(ck) == e.step()) {
            err.println("stopped at step " + e.step() + " (" + e.reason() + "); checkpoint saved: " + ck + "; " + resume);
        } else {
            String why = e.getSuppressed().length > 0 ? e.getSuppressed()[0].getMessage() : "not written";
            err.println("stopped at step " + e.step() + " (" + e.reason() + "); its checkpoint failed (" + why
                    + "); the latest is " + ck + "; " + resume);
        }
        return exitStatus(e.reason());
    }

    @Override
    public void close() {
        previous.forEach((sig, h) -> {
            try {
                Signal.handle(sig, h);
            } catch (IllegalArgumentException e) {
                // cannot happen for a signal handled before
            }
        });
    }
}
