package cpm.data;

/**
 * The data thread of a {@link BatchLoader} failed for another reason than bad data (an {@link Error} such as
 * {@link OutOfMemoryError}, or a bug): says which data set and item it was preparing; the cause is attached.
 */
public final class DataLoaderException extends RuntimeException {

    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
