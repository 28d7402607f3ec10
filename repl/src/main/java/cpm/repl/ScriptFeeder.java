package cpm.repl;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds a {@code .jsh} script to a {@link ScriptEngine} the way the jshell tool does (stack.md §6): lines accumulate
 * until the snippets are complete, {@code /exit [N]} ends the script, other {@code /commands} are skipped, a line
 * starting with {@code .} continues a fluent chain, and failures are reported as {@code FILE:LINE: ...}.
 */
final class ScriptFeeder {

    /**
     * What feeding gave.
     *
     * @param outcomes   every snippet's outcome
     * @param failure    the outcome that ended the script early (a failure when stopping on failure, or a stop)
     * @param exitStatus the status of {@code /exit} or {@code System.exit}, or null
     */
    record Run(List<EvalResult.Outcome> outcomes, EvalResult.Outcome failure, Integer exitStatus) {
    }

    private final ScriptEngine engine;

    ScriptFeeder(ScriptEngine engine) {
        this.engine = engine;
    }

    Run feed(Path script, PrintStream report, boolean stopOnFailure) throws IOException {
        List<String> lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        List<EvalResult.Outcome> all = new ArrayList<>();
        StringBuilder buf = new StringBuilder();
        int bufStart = 1;
        Integer exit = null;
        for (int i = 0; i < lines.size() && exit == null; i++) {
            String line = lines.get(i);
            if (buf.toString().isBlank()) {
                String t = line.strip();
                if (t.startsWith("/") && !t.startsWith("//") && !t.startsWith("/*")) {
                    if (t.equals("/exit") || t.startsWith("/exit ")) {
                        exit = parseExit(t.substring(5).strip());
                    }
                    continue;
                }
                buf.setLength(0);
                bufStart = i + 1;
            }
            buf.append(line).append('\n');
            if (engine.isComplete(buf.toString()) && !continuesWithDot(lines, i + 1)) {
                EvalResult.Outcome stop = run(buf.toString(), bufStart, script, report, all, stopOnFailure);
                buf.setLength(0);
                if (stop != null) {
                    if (stop.kind() == EvalResult.Kind.EXIT) {
                        exit = (Integer) stop.value();
                    } else {
                        return new Run(all, stop, null);
                    }
                }
            }
        }
        if (exit == null && !buf.toString().isBlank()) {
            EvalResult.Outcome stop = run(buf.toString(), bufStart, script, report, all, stopOnFailure);
            if (stop != null && stop.kind() == EvalResult.Kind.EXIT) {
                exit = (Integer) stop.value();
            } else if (stop != null) {
                return new Run(all, stop, null);
            }
        }
        return new Run(all, null, exit);
    }

    /**
     * Whether the next code line starts with {@code .}: a fluent chain such as {@code Presets.get("tiny")} followed
     * by {@code .with(...)} lines goes on (the jshell tool would cut it after the first line).
     */
    private static boolean continuesWithDot(List<String> lines, int from) {
        for (int i = from; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (t.isEmpty() || t.startsWith("//")) {
                continue;
            }
            return t.startsWith(".") && !t.startsWith("...");
        }
        return false;
    }

    /** Evaluates one chunk; returns the outcome that ends the script (failure when stopping, exit, stop). */
    private EvalResult.Outcome run(String chunk, int startLine, Path script, PrintStream report,
                                   List<EvalResult.Outcome> all, boolean stopOnFailure) {
        List<EvalResult.Outcome> got = engine.evalSource(chunk, startLine, stopOnFailure);
        all.addAll(got);
        for (EvalResult.Outcome o : got) {
            if (o.failed() && report != null) {
                report.println(script + ":" + o.line() + ": " + o.text().replaceFirst("^\\|  ", ""));
                report.flush();
            }
            if (o.kind() == EvalResult.Kind.EXIT || o.kind() == EvalResult.Kind.STOPPED
                    || (stopOnFailure && o.failed())) {
                return o;
            }
        }
        return null;
    }

    private static int parseExit(String arg) {
        if (arg.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(arg.replace(";", "").strip());
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
