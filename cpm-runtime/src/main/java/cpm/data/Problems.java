package cpm.data;

import cpm.data.DataProblem.Kind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the data rules send what they find wrong: readers throw the first problem, {@link DataCheck} collects
 * them all. Every rule reports through one of these, so both say the same thing about the same file.
 */
final class Problems {

    private final Consumer<DataProblem> sink;
    private int reported;

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
        reported++;
        sink.accept(DataProblem.of(e));
    }

    /** Problems reported so far (collecting). */
    int reported() {
        return reported;
    }

    /** Reports {@code e} and returns false (for {@code ok &= ...}). */
    boolean fail(DataException e) {
        report(e);
        return false;
    }

    /** Reports "no such file" for {@code file} (expected: {@code what}) unless it is a regular file; true if it is. */
    boolean requireFile(Path file, String what) {
        if (Files.isRegularFile(file)) {
            return true;
        }
        return fail(new DataException(Kind.MISSING, file, "no such file", what));
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
}
