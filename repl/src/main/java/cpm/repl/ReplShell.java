package cpm.repl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;

/**
 * The interactive loop: JLine 3 line editing over a {@link ScriptEngine}. Prompt {@code cpm> }, multi-line snippets
 * with a {@code   ...> } continuation, Tab completion from JShell, history kept in a file (default
 * {@code ~/.cpm/history}), {@code !} left alone (no history expansion), lines starting with {@code :} sent to the
 * {@link MetaCommands} registry. Ctrl-C at the prompt clears the line; while evaluating it calls
 * {@link ScriptEngine#interrupt()} (the engine's interrupt hook first, e.g. a training that stops at the next step,
 * then a hard stop of the snippet). Ctrl-D on an empty line or {@code :quit} leaves with status 0.
 */
public final class ReplShell implements AutoCloseable {

    public static final String PROMPT = "cpm> ";
    public static final String CONTINUATION = "  ...> ";

    private final ScriptEngine engine;
    private final Terminal terminal;
    private final LineReader reader;
    private final MetaCommands commands;
    private final PrintStream out;
    private final Path historyFile;
    private final MetaContext context;
    private volatile boolean busy;
    private volatile boolean quit;

    /** A shell on the given terminal; {@code historyFile} null keeps history in memory only. */
    public ReplShell(ScriptEngine engine, Terminal terminal, Path historyFile, MetaCommands commands)
            throws IOException {
        this.engine = engine;
        this.terminal = terminal;
        this.commands = commands;
        this.historyFile = historyFile;
        this.out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
        engine.setOut(out);
        LineReaderBuilder b = LineReaderBuilder.builder().appName("cpm").terminal(terminal)
                .parser(new ReplParser(engine)).completer(new ReplCompleter(engine, commands))
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.INSERT_TAB, false)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, CONTINUATION)
                .variable(LineReader.BLINK_MATCHING_PAREN, 0)
                .variable(LineReader.HISTORY_SIZE, 2000)
                .variable(LineReader.HISTORY_FILE_SIZE, 10000);
        if (historyFile != null) {
            Path parent = historyFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            b.variable(LineReader.HISTORY_FILE, historyFile);
        }
        this.reader = b.build();
        this.context = new ShellContext();
        terminal.handle(Terminal.Signal.INT, signal -> onInterrupt());
    }

    /** A shell on the given streams (a dumb terminal), for tests and pipes. */
    public ReplShell(InputStream in, OutputStream out, ScriptEngine engine, Path historyFile) throws IOException {
        this(engine, new DumbTerminal("cpm", Terminal.TYPE_DUMB, in, out, StandardCharsets.UTF_8), historyFile,
                MetaCommands.withDefaults());
    }

    /** A shell on the process's terminal with the generic commands. */
    public static ReplShell system(ScriptEngine engine, Path historyFile) throws IOException {
        Terminal t = TerminalBuilder.builder().system(true).name("cpm").build();
        return new ReplShell(engine, t, historyFile, MetaCommands.withDefaults());
    }

    /** {@code ~/.cpm/history}. */
    public static Path defaultHistoryFile() {
        return Path.of(System.getProperty("user.home"), ".cpm", "history");
    }

    /** The registry: register the toolkit's commands here before {@link #run()}. */
    public MetaCommands commands() {
        return commands;
    }

    public ScriptEngine engine() {
        return engine;
    }

    public Terminal terminal() {
        return terminal;
    }

    public LineReader reader() {
        return reader;
    }

    /** The context handed to meta-commands. */
    public MetaContext context() {
        return context;
    }

    private void onInterrupt() {
        if (!busy) {
            return;
        }
        if (engine.interrupt()) {
            out.println();
            out.println("|  stopping at the next step boundary (Ctrl-C again stops now)");
        }
    }

    /** Reads and runs input until Ctrl-D or :quit; returns the exit status (0). */
    public int run() {
        out.println("|  cpm REPL: type Java snippets or :commands. :help lists the commands, :quit or Ctrl-D leaves.");
        while (!quit) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt: drop the line
            } catch (EndOfFileException e) {
                break;
            }
            if (line == null) {
                break;
            }
            if (!line.isBlank()) {
                execute(line);
            }
        }
        saveHistory();
        return 0;
    }

    /** Runs one input (a :command or snippets) and prints what it gave. */
    public void execute(String line) {
        busy = true;
        try {
            String t = line.strip();
            String text;
            if (t.startsWith(":")) {
                text = commands.dispatch(t, context).text();
            } else {
                text = engine.eval(line).text();
            }
            if (!text.isEmpty()) {
                out.println(text);
            }
        } catch (RuntimeException e) {
            out.println("|  internal error: " + e);
        } finally {
            busy = false;
            out.flush();
        }
    }

    private void saveHistory() {
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            out.println("|  could not save the history to " + historyFile + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        saveHistory();
        terminal.close();
    }

    /** Meta-command context backed by this shell. */
    private final class ShellContext implements MetaContext {
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
            List<String> lines = new ArrayList<>();
            for (History.Entry e : reader.getHistory()) {
                lines.add(e.line());
            }
            return lines;
        }

        @Override
        public void quit() {
            quit = true;
        }

        @Override
        public boolean quitRequested() {
            return quit;
        }
    }
}
