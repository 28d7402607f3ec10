package cpm.repl;

/** A snippet evaluated for the host ({@link ScriptEngine#capture}, {@link ScriptEngine#bind}) failed. */
public class SnippetException extends RuntimeException {

    public SnippetException(String message, Throwable cause) {
        super(message, cause);
    }
}
