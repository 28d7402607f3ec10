package cpm.repl;

import cpm.train.History;
import cpm.train.TrainingSession;
import cpm.train.loop.HistoryListener;
import tech.tablesaw.api.Table;

import java.util.function.Consumer;

/**
 * The REPL's training log, kept by the session itself: every completed step is offered to it, whether
 * {@code :step} or a snippet's {@code session.step()} took it, and logged as {@code ./cpm train} logs it (a row
 * every run.logInterval steps, the STS where its window closes). The JShell variable {@code history} is one live
 * table that grows with each row. Its clock is training time: the sum of the steps' own durations, so time spent
 * at the prompt between steps does not count.
 */
final class SessionHistory implements Consumer<TrainingSession.StepResult> {

    private final TrainingSession session;
    private final History history;
    private final HistoryListener log;
    private final Table table;
    private double seconds;

    SessionHistory(TrainingSession session, History history) {
        this.session = session;
        this.history = history;
        this.log = new HistoryListener(history, session.recipe(), null);
        this.table = history.toTable();
        this.seconds = history.lastSeconds();
    }

    /** Starts logging the session's steps. */
    SessionHistory attach() {
        session.addStepObserver(this);
        return this;
    }

    void detach() {
        session.removeStepObserver(this);
    }

    History history() {
        return history;
    }

    /** The live table bound as {@code history}. */
    Table table() {
        return table;
    }

    @Override
    public void accept(TrainingSession.StepResult r) {
        seconds += r.timings().total() / 1000.0;
        if (log.record(session, r, seconds)) {
            Table all = history.toTable();
            table.append(all.inRange(table.rowCount(), all.rowCount()));
        }
    }
}
