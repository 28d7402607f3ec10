package cpm.repl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** What a {@link MetaHandler} can reach: the engine, the output, the registry and the REPL's input history. */
public interface MetaContext {

    /** The JShell engine of this REPL. */
    ScriptEngine engine();

    /** Where progress lines may be printed while the command runs. */
    PrintStream out();

    /** The registry the command came from. */
    MetaCommands commands();

    /** The input lines typed so far, oldest first. */
    List<String> history();

    /** Ends the REPL once this command returns. */
    void quit();

    /** Whether {@link #quit()} was called. */
    boolean quitRequested();

    /** A context without a terminal, for scripts and tests. */
    static MetaContext of(ScriptEngine engine, MetaCommands commands, PrintStream out) {
        List<String> history = new ArrayList<>();
        boolean[] quit = {false};
        return new MetaContext() {
            @Override
            public ScriptEngine engine() {
                return engine;
            }

            @Override
            public PrintStream out() {
                return out;
            }

            @Override
            public MetaCommands commands() {
                return commands;
            }

            @Override
            public List<String> history() {
                return history;
            }

            @Override
            public void quit() {
                quit[0] = true;
            }

            @Override
            public boolean quitRequested() {
                return quit[0];
            }
        };
    }
}
