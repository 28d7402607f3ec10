package cpm.repl;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.lang.model.SourceVersion;
import jdk.jshell.JShell;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.VarSnippet;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * An in-process JShell whose snippets see the live host objects (stack.md §5): snippet classes are defined by a
 * loader parented on the host loader, every snippet runs on one dedicated thread (so thread-local state such as
 * libtorch grad mode survives between snippets, P1/P3), the jshell tool's conveniences (default imports, class path)
 * are added by hand, and {@code System.exit} in a snippet ends the snippet, not the JVM (P4).
 *
 * <p>The engine holds the JShell session, its bindings and the snippet thread; what a snippet's outcome reads like
 * is {@link SnippetOutcomes}, and recipe scripts are {@link RecipeScripts}.
 *
 * <p>Not thread-safe except {@link #stop()} and {@link #interrupt()}, which are meant to be called from another
 * thread (a signal handler) while {@link #eval} runs.
 */
public final class ScriptEngine implements AutoCloseable {

    /** Imports added to every engine, each only if its package is on the class path. */
    public static final List<String> DEFAULT_IMPORTS = List.of("java.util.*", "java.nio.file.*", "cpm.dsl.*",
            "cpm.data.*", "cpm.train.*", "cpm.eval.*", "cpm.prompting.*", "cpm.model.*", "cpm.diag.*", "cpm.viz.*",
            "cpm.repl.*", "tech.tablesaw.api.*");

    private static final AtomicInteger IDS = new AtomicInteger();

    /** Options for a {@link ScriptEngine}. */
    public static final class Builder {
        private ClassLoader hostLoader = ScriptEngine.class.getClassLoader();
        private PrintStream out;
        private boolean gradModeOff = true;
        private boolean defaultImports = true;
        private int tableRows = 20;
        private int maxOutputChars = 20_000;

        private Builder() {
        }

        /** The loader whose classes snippets see (default: the one that loaded cpm.repl). */
        public Builder hostLoader(ClassLoader loader) {
            this.hostLoader = loader;
            return this;
        }

        /** Where snippets' System.out/err and script reports go while they run (default: leave System.out). */
        public Builder out(PrintStream out) {
            this.out = out;
            return this;
        }

        /** Whether the snippet thread turns libtorch grad mode off when DJL is present (default true, P3). */
        public Builder gradModeOff(boolean off) {
            this.gradModeOff = off;
            return this;
        }

        /** Whether to add {@link #DEFAULT_IMPORTS} (default true). */
        public Builder defaultImports(boolean on) {
            this.defaultImports = on;
            return this;
        }

        /** Rows of a Tablesaw table shown as a value (default 20). */
        public Builder tableRows(int rows) {
            this.tableRows = rows;
            return this;
        }

        /** Longest value rendering before it is truncated with a note (default 20000 characters). */
        public Builder maxOutputChars(int chars) {
            this.maxOutputChars = chars;
            return this;
        }

        public ScriptEngine build() {
            return new ScriptEngine(this);
        }
    }

    private record Binding(Class<?> type, Object value) {
    }

    private final String id;
    private final ClassLoader hostLoader;
    private final SnippetThread worker;
    private final boolean defaultImports;
    private final Map<String, Binding> bindings = new LinkedHashMap<>();
    private final List<String> imports = new ArrayList<>();
    private final List<String> classPath;
    private volatile PrintStream out;
    private volatile BooleanSupplier interruptHook;
    private volatile boolean softStopAsked;
    private SnippetExecutionControl control;
    private final JShell js;
    private final SourceCodeAnalysis sca;
    private final SnippetOutcomes outcomes;

    /** An engine with the default options. */
    public ScriptEngine() {
        this(builder());
    }

    public static Builder builder() {
        return new Builder();
    }

    private ScriptEngine(Builder b) {
        this.id = "e" + IDS.incrementAndGet();
        this.hostLoader = b.hostLoader;
        this.out = b.out;
        this.defaultImports = b.defaultImports;
        boolean grad = b.gradModeOff;
        this.worker = new SnippetThread("cpm-snippets-" + id, () -> {
            if (grad) {
                gradModeOff(hostLoader);
            }
        });
        ExecutionControlProvider provider = new ExecutionControlProvider() {
            @Override
            public String name() {
                return "cpm-host";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                control = new SnippetExecutionControl(new HostLoaderDelegate(hostLoader), worker,
                        ScriptEngine.this::withOutput);
                return control;
            }
        };
        try {
            this.js = JShell.builder().executionEngine(provider, Map.of()).build();
            this.sca = js.sourceCodeAnalysis();
            this.outcomes = new SnippetOutcomes(js, () -> control, b.tableRows, b.maxOutputChars);
            this.classPath = ClassPaths.collect(hostLoader);
            js.addToClasspath(String.join(java.io.File.pathSeparator, classPath));
            addImports();
        } catch (RuntimeException | Error e) {
            worker.close();
            throw e;
        }
    }

    /**
     * P3: libtorch grad mode is ON in every thread but the one that initialised the engine. Turning it off needs the
     * engine first ({@code JniUtils} before {@code Engine.getInstance()} is an UnsatisfiedLinkError); done by
     * reflection so the engine also works without DJL.
     */
    static void gradModeOff(ClassLoader loader) {
        try {
            Class<?> engine = Class.forName("ai.djl.engine.Engine", true, loader);
            Object e = engine.getMethod("getInstance").invoke(null);
            if (!"PyTorch".equals(engine.getMethod("getEngineName").invoke(e))) {
                return;
            }
            Class.forName("ai.djl.pytorch.jni.JniUtils", true, loader).getMethod("setGradMode", boolean.class)
                    .invoke(null, false);
        } catch (ClassNotFoundException | LinkageError e) {
            // no DJL on the class path: nothing to do
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("cpm repl: could not turn libtorch grad mode off on the snippet thread: " + e);
        }
    }

    private void addImports() {
        if (!defaultImports) {
            return;
        }
        for (String imp : DEFAULT_IMPORTS) {
            String pkg = imp.substring(0, imp.length() - 2);
            if (!pkg.startsWith("java.") && hostLoader.getResource(pkg.replace('.', '/') + "/") == null
                    && !packageVisible(pkg)) {
                continue;
            }
            List<SnippetEvent> ev = js.eval("import " + imp + ";");
            if (ev.stream().allMatch(e -> e.status().isActive())) {
                imports.add(imp);
            }
        }
    }

    private boolean packageVisible(String pkg) {
        // directory entries can be missing from repackaged jars; a known class proves the package is there
        return hostLoader.getDefinedPackage(pkg) != null;
    }

    /** The imports that were added (those whose package exists). */
    public List<String> imports() {
        return List.copyOf(imports);
    }

    /** The class path given to JShell's compiler. */
    public List<String> classPath() {
        return classPath;
    }

    /** Where snippet output and script reports go; null means System.out as it is. */
    public void setOut(PrintStream out) {
        this.out = out;
    }

    private PrintStream report() {
        PrintStream o = out;
        return o != null ? o : System.out;
    }

    private <T> Callable<T> withOutput(Callable<T> body) {
        return () -> {
            PrintStream o = out;
            if (o == null) {
                return body.call();
            }
            PrintStream so = System.out;
            PrintStream se = System.err;
            System.setOut(o);
            System.setErr(o);
            try {
                return body.call();
            } finally {
                o.flush();
                System.setOut(so);
                System.setErr(se);
            }
        };
    }

    // ---------------------------------------------------------------- binding and capture

    /**
     * Declares a JShell variable {@code name} of {@code type} that refers to the live host object {@code value}: a
     * snippet that mutates it mutates the host's object. Binding a name again replaces the variable.
     */
    public synchronized void bind(String name, Class<?> type, Object value) {
        if (!SourceVersion.isIdentifier(name) || SourceVersion.isKeyword(name)) {
            throw new IllegalArgumentException("cannot bind \"" + name + "\": not a Java identifier");
        }
        Class<?> t = type;
        while (!t.isPrimitive() && !isAccessible(t)) {
            t = t.getSuperclass() == null ? Object.class : t.getSuperclass();
        }
        if (value != null && !box(t).isInstance(value)) {
            throw new IllegalArgumentException("cannot bind " + name + ": value of " + value.getClass().getName()
                    + " is not a " + t.getName());
        }
        Session.put(id, name, value);
        bindings.put(name, new Binding(t, value));
        declareBinding(name, t);
    }

    private void declareBinding(String name, Class<?> t) {
        String decl = t.getCanonicalName() + " " + name + " = cpm.repl.Session.get(\"" + id + "\", \"" + name
                + "\");";
        EvalResult r = evalChecked(decl);
        if (!r.ok()) {
            throw new SnippetException("cannot bind " + name + ": " + r.text(), null);
        }
    }

    private static boolean isAccessible(Class<?> c) {
        if (c.isArray()) {
            return isAccessible(c.getComponentType());
        }
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return c.getCanonicalName() != null;
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        return java.lang.invoke.MethodType.methodType(c).wrap().returnType();
    }

    /** The live value of a Java expression evaluated in the engine. */
    public synchronized Object capture(String expr) {
        String e = expr.strip();
        while (e.endsWith(";")) {
            e = e.substring(0, e.length() - 1).strip();
        }
        Session.takeCaptured(id);
        EvalResult r = evalChecked("cpm.repl.Session.capture(\"" + id + "\", " + e + ");");
        var fail = r.firstFailure();
        if (fail.isPresent()) {
            throw new SnippetException("cannot evaluate " + expr + ":\n" + fail.get().text(),
                    fail.get().exception());
        }
        return Session.takeCaptured(id);
    }

    // ---------------------------------------------------------------- evaluation

    /** Evaluates one or more snippets; compile errors and exceptions are reported in the result, not thrown. */
    public synchronized EvalResult eval(String input) {
        softStopAsked = false;
        return new EvalResult(evalSource(input, 1, false));
    }

    private EvalResult evalChecked(String code) {
        return new EvalResult(evalSource(code, 1, true));
    }

    /** Whether {@code input} is a complete set of snippets (false when a snippet needs more lines). */
    public synchronized boolean isComplete(String input) {
        String rem = input;
        while (rem != null && !rem.isBlank()) {
            CompletionInfo ci = sca.analyzeCompletion(rem);
            Completeness c = ci.completeness();
            if (c == Completeness.DEFINITELY_INCOMPLETE || c == Completeness.CONSIDERED_INCOMPLETE) {
                return false;
            }
            if (c == Completeness.EMPTY || c == Completeness.UNKNOWN) {
                return true;
            }
            rem = ci.remaining();
        }
        return true;
    }

    List<EvalResult.Outcome> evalSource(String input, int firstLine, boolean stopOnFailure) {
        List<EvalResult.Outcome> outcomes = new ArrayList<>();
        String rem = input;
        int consumed = 0;
        while (rem != null && !rem.isBlank()) {
            int lead = 0;
            while (lead < rem.length() && Character.isWhitespace(rem.charAt(lead))) {
                lead++;
            }
            rem = rem.substring(lead);
            consumed += lead;
            CompletionInfo ci = sca.analyzeCompletion(rem);
            Completeness c = ci.completeness();
            if (c == Completeness.EMPTY) {
                break;
            }
            String src;
            String next;
            if (c.isComplete() && ci.source() != null) {
                src = ci.source();
                next = ci.remaining();
            } else {
                src = rem; // incomplete or unknown: let the compiler say what is wrong
                next = "";
            }
            int line = firstLine + SnippetOutcomes.newlines(input, consumed);
            List<EvalResult.Outcome> got = evalSnippet(src, line);
            outcomes.addAll(got);
            consumed += rem.length() - (next == null ? 0 : next.length());
            rem = next;
            if (got.stream().anyMatch(o -> o.kind() == EvalResult.Kind.EXIT || o.kind() == EvalResult.Kind.STOPPED)
                    || (stopOnFailure && got.stream().anyMatch(EvalResult.Outcome::failed))) {
                break;
            }
        }
        return outcomes;
    }

    private List<EvalResult.Outcome> evalSnippet(String src, int line) {
        String code = ExitGuard.rewrite(src);
        control.clearLast();
        List<SnippetEvent> events = js.eval(code);
        List<EvalResult.Outcome> out = new ArrayList<>();
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue; // an update of a dependent snippet, not this one
            }
            out.add(outcomes.outcome(e, src, code, line));
        }
        if (out.isEmpty() && control.lastStopped()) {
            out.add(new EvalResult.Outcome(EvalResult.Kind.STOPPED, null, src, "|  stopped", null, line, null));
        }
        return out;
    }

    /** The text shown for a value: Tablesaw tables via {@code print(n)}, others as JShell shows them. */
    public String render(Object live, String jshellText) {
        return outcomes.render(live, jshellText);
    }

    // ---------------------------------------------------------------- scripts

    /**
     * Feeds a {@code .jsh} script line by line as the jshell tool does (stack.md §6): lines accumulate until the
     * snippet is complete, {@code /exit} ends the script, other {@code /commands} are skipped, and a failing snippet
     * is reported ({@code FILE:LINE: ...}) and the script goes on.
     *
     * @return whether any snippet failed (System.exit with a non-zero status counts)
     */
    public boolean runScript(Path script) throws IOException {
        return runScript(script, report());
    }

    /** {@link #runScript(Path)} reporting failures to {@code report}. */
    public synchronized boolean runScript(Path script, PrintStream report) throws IOException {
        softStopAsked = false;
        ScriptFeeder.Run run = new ScriptFeeder(this).feed(script, report, false);
        return run.outcomes().stream().anyMatch(EvalResult.Outcome::failed)
                || (run.exitStatus() != null && run.exitStatus() != 0);
    }

    /**
     * Runs a recipe script and returns its recipe: the variable {@code recipe} if the script declares or assigns
     * it, else the value of its last expression if that is a {@link Recipe}. The script stops at its first failure.
     *
     * @throws RecipeException naming the file (and line) when the script fails or yields no recipe
     */
    public synchronized Recipe evalRecipe(Path jsh) {
        softStopAsked = false;
        return RecipeScripts.evalRecipe(this, jsh);
    }

    // ---------------------------------------------------------------- stopping

    /**
     * Stops the snippet (or {@link #call} task) running now, like Ctrl-C. The snippet thread survives and the JShell
     * state is kept. A long native libtorch call finishes first (P2).
     *
     * @return whether something was running
     */
    public boolean stop() {
        return worker.stopCurrent();
    }

    /**
     * A hook asked first on {@link #interrupt()}: it returns true when it takes care of the interruption itself,
     * e.g. a training loop that will stop at the next step boundary. Null removes it.
     */
    public void setInterruptHook(BooleanSupplier hook) {
        this.interruptHook = hook;
    }

    /**
     * Ctrl-C while evaluating: the first interruption of an evaluation goes to the interrupt hook, if one is set and
     * accepts it (a soft stop); otherwise, or on the next interruption, the running snippet is stopped.
     *
     * @return true for a soft stop (the hook accepted), false when the snippet was stopped (or nothing ran)
     */
    public boolean interrupt() {
        BooleanSupplier hook = interruptHook;
        if (hook != null && !softStopAsked) {
            softStopAsked = true;
            if (hook.getAsBoolean()) {
                return true;
            }
        }
        stop();
        return false;
    }

    /** Whether a snippet or {@link #call} task is running now. */
    public boolean busy() {
        return worker.busy();
    }

    /**
     * Runs host code on the snippet thread (same thread-local state as the snippets, stoppable by {@link #stop()}).
     *
     * @throws CancellationException when it was stopped
     */
    public <T> T call(Callable<T> body) throws Exception {
        softStopAsked = false;
        try {
            return worker.run(withOutput(body));
        } catch (SnippetThread.Stopped e) {
            throw new CancellationException("stopped");
        }
    }

    // ---------------------------------------------------------------- introspection

    /** One line per active variable: {@code Type name = value} (values shortened). */
    public synchronized List<String> variables() {
        List<String> out = new ArrayList<>();
        js.variables().filter(v -> js.status(v).isActive()).forEach(v -> {
            String value;
            try {
                value = js.varValue(v);
            } catch (RuntimeException e) {
                value = "<" + e.getMessage() + ">";
            }
            value = value.replace('\n', ' ');
            if (value.length() > 80) {
                value = value.substring(0, 77) + "...";
            }
            out.add(v.typeName() + " " + v.name() + " = " + value);
        });
        return out;
    }

    /** The names of the active variables. */
    public synchronized List<String> variableNames() {
        return js.variables().filter(v -> js.status(v).isActive()).map(VarSnippet::name).collect(Collectors.toList());
    }

    /** A completion: the candidates replace the input from {@code anchor} to the cursor. */
    public record Completions(int anchor, List<String> candidates) {
    }

    /** Completion candidates for {@code input} at {@code cursor}, from JShell's source analysis. */
    public synchronized Completions complete(String input, int cursor) {
        int[] anchor = {cursor};
        List<String> c = sca.completionSuggestions(input, cursor, anchor).stream()
                .map(SourceCodeAnalysis.Suggestion::continuation).distinct().collect(Collectors.toList());
        return new Completions(anchor[0], c);
    }

    /** Drops every snippet, then adds the default imports and host bindings again. */
    public synchronized void reset() {
        js.snippets().filter(s -> js.status(s).isActive()).collect(Collectors.toList()).forEach(js::drop);
        imports.clear();
        addImports();
        for (Map.Entry<String, Binding> b : bindings.entrySet()) {
            declareBinding(b.getKey(), b.getValue().type());
        }
    }

    @Override
    public void close() {
        try {
            js.close();
        } finally {
            worker.close();
            Session.forget(id);
        }
    }
}
