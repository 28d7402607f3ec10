package cpm.repl;

/**
 * What a dispatched meta-command gave.
 *
 * @param ok    false for an unknown command or a command that threw
 * @param text  what to print (may be empty)
 * @param value the handler's return value (null when it failed)
 */
public record MetaResult(boolean ok, String text, Object value) {
}
