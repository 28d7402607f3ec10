package cpm.repl;

/** What a meta-command does. */
@FunctionalInterface
public interface MetaHandler {

    /**
     * Runs the command.
     *
     * @param args the text after the command name, stripped (empty when none)
     * @param ctx  the engine, output and REPL state
     * @return text to print, a Tablesaw {@code Table} (printed and bound as the JShell variable {@code last}),
     *     another object (printed with toString) or null
     * @throws Exception reported to the user; the REPL carries on
     */
    Object handle(String args, MetaContext ctx) throws Exception;
}
