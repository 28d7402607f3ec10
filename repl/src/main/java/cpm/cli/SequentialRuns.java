package cpm.cli;

import cpm.train.loop.TimeLeft;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Trainings one after another in this thread (ablate, sweep), each with its progress bar and a line before it saying
 * which run it is and about how long the rest will take. A signal stops the run in progress at its next step
 * ({@link StopSignals}: the run throws, the command reports where it stopped).
 */
final class SequentialRuns {

    private final String what;
    private final boolean progress;
    private final StopSignals stop;
    private final Function<ParallelRuns.Job, String> label;

    /** {@code label} words a job for the line before it (e.g. the point's field=value words and the seed). */
    SequentialRuns(String what, boolean progress, StopSignals stop, Function<ParallelRuns.Job, String> label) {
        this.what = what;
        this.progress = progress;
        this.stop = stop;
        this.label = label;
    }

    ParallelRuns.Outcome run(List<ParallelRuns.Job> jobs) {
        AblateCommand.RowRun[] done = new AblateCommand.RowRun[jobs.size()];
        long t0 = System.nanoTime();
        for (int i = 0; i < jobs.size(); i++) {
            ParallelRuns.Job job = jobs.get(i);
            // from the runs so far, as if all took alike (a rough guide when the grid sweeps optim.steps)
            String left = i == 0 ? "time left known after the first run"
                    : "about " + TimeLeft.format(TimeLeft.estimate((System.nanoTime() - t0) / 1e9, i, jobs.size() - i))
                    + " left";
            Cli.err().println(String.format(Locale.ROOT, "%s: run %d/%d, %s (%s)", what, i + 1, jobs.size(),
                    label.apply(job), left));
            done[i] = AblateCommand.runOne(job.recipe(), job.dir(), progress, stop, Cli.err());
        }
        return new ParallelRuns.Outcome(done, null);
    }
}
