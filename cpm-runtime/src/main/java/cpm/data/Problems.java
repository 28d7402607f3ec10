package cpm.data;

import java.util.function.Consumer;

/** Where a layout scan sends what it finds wrong: throws at once (readers) or collects (DataCheck). */
final class Problems {

    private final Consumer<DataProblem> sink;

    private Problems(Consumer<DataProblem> sink) {
        this.sink = sink;
    }

    static Problems throwing() {
        return new Problems(null);
    }

    static Problems collecting(Consumer<DataProblem> sink) {
        return new Problems(sink);
    }

    boolean collects() {
        return sink != null;
    }

    void report(DataException e) {
        if (sink == null) {
            throw e;
        }
        sink.accept(DataProblem.of(e));
    }
}
