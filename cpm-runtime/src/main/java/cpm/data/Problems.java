package cpm.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    /** Reports "no such file" for {@code file} (expected: {@code what}) unless it is a regular file; true when it is. */
    boolean requireFile(Path file, String what) {
        if (Files.isRegularFile(file)) {
            return true;
        }
        report(new DataException(file, "no such file", what));
        return false;
    }

    /**
     * Keeps a scanned clip when it had no problem, or always when collecting, so DataCheck still decodes what is
     * there.
     */
    void keep(List<ClipDataset.Clip> clips, ClipDataset.Clip clip, boolean ok) {
        if (ok || collects()) {
            clips.add(clip);
        }
    }

    /** The rows of a metadata CSV ({@link Metadata#readCsv}); when it cannot be read, the problem and no rows. */
    List<Map<String, String>> readCsv(Path csv, List<String> required) {
        try {
            return Metadata.readCsv(csv, required);
        } catch (DataException e) {
            report(e);
            return List.of();
        }
    }
}
