package cpm.repl;

/**
 * Thrown instead of ending the JVM when a snippet calls {@code System.exit}. An {@link Error}, so that a snippet's
 * {@code catch (Exception e)} does not swallow it.
 */
public final class SnippetExit extends Error {

    private final int status;

    public SnippetExit(int status) {
        super("System.exit(" + status + ") intercepted: the host keeps running", null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
