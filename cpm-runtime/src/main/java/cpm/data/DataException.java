package cpm.data;

import java.nio.file.Path;

/** Bad input data: names the file, what was found and what was expected, and the kind of problem. */
public class DataException extends RuntimeException {

    private final String file;
    private final String found;
    private final String expected;
    private final DataProblem.Kind kind;

    public DataException(DataProblem.Kind kind, String file, String found, String expected) {
        super(file + ": found " + found + ", expected " + expected);
        this.file = file;
        this.found = found;
        this.expected = expected;
        this.kind = kind;
    }

    public DataException(DataProblem.Kind kind, Path file, String found, String expected) {
        this(kind, String.valueOf(file), found, expected);
    }

    public DataException(DataProblem.Kind kind, Path file, String found, String expected, Throwable cause) {
        this(kind, String.valueOf(file), found, expected);
        initCause(cause);
    }

    public DataException(String file, String found, String expected) {
        this(DataProblem.Kind.OTHER, file, found, expected);
    }

    public DataException(Path file, String found, String expected) {
        this(DataProblem.Kind.OTHER, file, found, expected);
    }

    public DataException(Path file, String found, String expected, Throwable cause) {
        this(DataProblem.Kind.OTHER, file, found, expected, cause);
    }

    public String file() {
        return file;
    }

    public String found() {
        return found;
    }

    public String expected() {
        return expected;
    }

    public DataProblem.Kind kind() {
        return kind;
    }
}
