package cpm.repl;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import tech.tablesaw.api.Table;

/**
 * What a {@link ScriptEngine} reports for one evaluated snippet, in the jshell tool's words: a value
 * ({@code x ==> ...}, Tablesaw tables printed), a definition ({@code created method ...}), a compile error with the
 * source line and a caret, an exception with the snippet's own frames and the line it failed on, a stop or an
 * ignored {@code System.exit}.
 */
final class SnippetOutcomes {

    private final JShell js;
    private final Supplier<SnippetExecutionControl> control;
    private final int tableRows;
    private final int maxOutputChars;

    SnippetOutcomes(JShell js, Supplier<SnippetExecutionControl> control, int tableRows, int maxOutputChars) {
        this.js = js;
        this.control = control;
        this.tableRows = tableRows;
        this.maxOutputChars = maxOutputChars;
    }

    /** Newlines in the first {@code end} characters of {@code s}. */
    static int newlines(String s, int end) {
        int n = 0;
        for (int i = 0; i < Math.min(end, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    EvalResult.Outcome outcome(SnippetEvent e, String src, String code, int line) {
        Snippet s = e.snippet();
        if (e.status() == Snippet.Status.REJECTED) {
            List<Diag> diags = js.diagnostics(s).collect(Collectors.toList());
            int errLine = line;
            for (Diag d : diags) {
                if (d.isError() && d.getPosition() >= 0) {
                    errLine = line + newlines(code, (int) d.getPosition());
                    break;
                }
            }
            String text = diags.isEmpty() ? "|  Error: the snippet was rejected" : renderDiags(diags, code);
            return new EvalResult.Outcome(EvalResult.Kind.COMPILE_ERROR, null, src, text, null, errLine, null);
        }
        if (control.get().lastStopped()) {
            return new EvalResult.Outcome(EvalResult.Kind.STOPPED, null, src, "|  stopped", null, line, null);
        }
        JShellException ex = e.exception();
        if (ex != null) {
            Throwable live = control.get().lastThrown();
            if (live instanceof SnippetExit se) {
                return new EvalResult.Outcome(EvalResult.Kind.EXIT, null, src,
                        "|  System.exit(" + se.status() + ") ignored: the REPL keeps running (:quit leaves)",
                        se.status(), line, null);
            }
            return exceptionOutcome(ex, live, s, src, line);
        }
        String name = null;
        boolean expression = false;
        if (s instanceof VarSnippet v) {
            name = v.name();
            expression = v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
        } else if (s instanceof ExpressionSnippet x) {
            name = x.name();
            expression = x.subKind() != Snippet.SubKind.ASSIGNMENT_SUBKIND;
        }
        if (name != null && e.value() != null) {
            Object live = control.get().lastValue();
            String text = name + " ==> " + render(live, e.value());
            return new EvalResult.Outcome(expression ? EvalResult.Kind.VALUE : EvalResult.Kind.VARIABLE, name, src,
                    text, live, line, null);
        }
        if (s instanceof MethodSnippet || s instanceof TypeDeclSnippet || s.kind() == Snippet.Kind.IMPORT) {
            return new EvalResult.Outcome(EvalResult.Kind.DEFINITION, null, src, describeDefinition(e), null, line,
                    null);
        }
        return new EvalResult.Outcome(EvalResult.Kind.STATEMENT, name, src, "", null, line, null);
    }

    private String describeDefinition(SnippetEvent e) {
        Snippet s = e.snippet();
        String what;
        if (s instanceof MethodSnippet m) {
            what = "method " + m.name() + "(" + m.parameterTypes() + ")";
        } else if (s instanceof TypeDeclSnippet t) {
            what = t.subKind().name().replace("_SUBKIND", "").toLowerCase(Locale.ROOT) + " " + t.name();
        } else {
            return "";
        }
        String verb = e.previousStatus() == Snippet.Status.NONEXISTENT ? "created" : "modified";
        String text = "|  " + verb + " " + what;
        if (e.status() == Snippet.Status.RECOVERABLE_DEFINED || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
            List<String> missing = js.unresolvedDependencies((jdk.jshell.DeclarationSnippet) s)
                    .collect(Collectors.toList());
            text += ", however, it cannot be used until " + String.join(", ", missing) + " is declared";
        }
        return text;
    }

    private EvalResult.Outcome exceptionOutcome(JShellException ex, Throwable live, Snippet s, String src, int line) {
        StringBuilder b = new StringBuilder("|  ");
        if (ex instanceof UnresolvedReferenceException u) {
            List<String> missing = js.unresolvedDependencies(u.getSnippet()).collect(Collectors.toList());
            b.append("Error: attempted to use ").append(u.getSnippet().source().strip().split("\n")[0])
                    .append(", which cannot be used until ").append(String.join(", ", missing))
                    .append(" is declared");
            return new EvalResult.Outcome(EvalResult.Kind.EXCEPTION, null, src, b.toString(), null, line, null);
        }
        String cls = ex instanceof EvalException ee ? ee.getExceptionClassName()
                : live != null ? live.getClass().getName() : ex.getClass().getName();
        b.append("Exception ").append(cls);
        if (ex.getMessage() != null) {
            b.append(": ").append(ex.getMessage());
        }
        int errLine = line;
        int shown = 0;
        String own = "#" + s.id();
        for (StackTraceElement el : ex.getStackTrace()) {
            if (shown++ >= 6) {
                b.append("\n|        ...");
                break;
            }
            String file = el.getFileName();
            if (file != null && file.startsWith("#")) {
                b.append("\n|        at ").append(el.getMethodName().startsWith("do_it$") ? "" : el.getMethodName() + " ")
                        .append('(').append(file).append(':').append(el.getLineNumber()).append(')');
                if (file.equals(own) && errLine == line && el.getLineNumber() > 0) {
                    errLine = line + el.getLineNumber() - 1;
                }
                if (file.equals(own)) {
                    break;
                }
            } else {
                b.append("\n|        at ").append(el);
            }
        }
        return new EvalResult.Outcome(EvalResult.Kind.EXCEPTION, null, src, b.toString(), null, errLine, live);
    }

    private static String renderDiags(List<Diag> diags, String code) {
        StringBuilder b = new StringBuilder();
        for (Diag d : diags) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append("|  ").append(d.isError() ? "Error" : "Warning").append(':');
            for (String l : d.getMessage(Locale.ROOT).split("\n")) {
                b.append("\n|  ").append(l);
            }
            long pos = d.getPosition();
            if (pos >= 0 && pos <= code.length()) {
                int ls = code.lastIndexOf('\n', (int) Math.max(0, pos - 1)) + 1;
                if (pos == 0) {
                    ls = 0;
                }
                int le = code.indexOf('\n', ls);
                le = le < 0 ? code.length() : le;
                long start = Math.max(ls, Math.min(d.getStartPosition(), pos));
                long end = Math.min(le, Math.max(d.getEndPosition(), pos + 1));
                b.append("\n|  ").append(code, ls, le).append("\n|  ")
                        .append(" ".repeat((int) (start - ls)));
                long width = Math.max(1, end - start);
                b.append(width == 1 ? "^" : "^" + "-".repeat((int) width - 2) + "^");
            }
        }
        return b.toString();
    }

    /** The text shown for a value: Tablesaw tables via {@code print(n)}, others as JShell shows them. */
    String render(Object live, String jshellText) {
        String s;
        if (live instanceof Table t) {
            s = "\n" + t.print(tableRows);
            if (t.rowCount() > tableRows) {
                s += "\n(" + tableRows + " of " + t.rowCount() + " rows shown; print(n) or printAll() shows more)";
            }
        } else {
            s = jshellText != null ? jshellText : String.valueOf(live);
        }
        return truncate(s);
    }

    private String truncate(String s) {
        if (s.length() <= maxOutputChars) {
            return s;
        }
        return s.substring(0, maxOutputChars) + "\n... output truncated: " + (s.length() - maxOutputChars)
                + " more characters";
    }
}
