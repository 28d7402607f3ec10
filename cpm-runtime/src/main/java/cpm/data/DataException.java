package cpm.data;

import java.nio.file.Path;

/** Bad input data: names the file, what was found and what was expected. */
public class DataException extends RuntimeException {

    private final String file;
    private final String found;
    private final String expected;

    public DataException(String file, String found, String expected) {
        super(file + ": found " + found + ", expected " + expected);
        this.file = file;
        this.found = found;
        this.expected = expected;
    }

    public DataException(Path file, String found, String expected) {
        this(String.valueOf(file), found, expected);
    }

    public DataException(Path file, String found, String expected, Throwable cause) {
        this(String.valueOf(file), found, expected);
        initCause(cause);
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
}
