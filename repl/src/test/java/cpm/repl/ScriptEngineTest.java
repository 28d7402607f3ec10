package cpm.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/** The in-process JShell engine: live host objects, errors, exit guard, stop, thread state, scripts, recipes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScriptEngineTest {

    static ScriptEngine engine;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        engine = new ScriptEngine();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void snippetMutatesBoundHostObjectAndHostSeesIt() {
        AtomicInteger hits = new AtomicInteger(40);
        engine.bind("hits", AtomicInteger.class, hits);
        EvalResult r = engine.eval("hits.incrementAndGet()");
        assertTrue(r.ok(), r.text());
        assertEquals(41, r.value());
        engine.eval("hits.addAndGet(1);");
        assertEquals(42, hits.get(), "the host object itself was mutated");
        assertSame(hits, engine.capture("hits"), "capture returns the live object, not a copy");
        // primitive binding and a non-public type falls back to a public supertype
        engine.bind("limit", int.class, 7);
        assertEquals(14, engine.capture("limit * 2"));
        List<String> list = new ArrayList<>();
        engine.bind("names", List.class, list);
        engine.eval("names.add(\"a\"); names.add(\"b\");");
        assertEquals(List.of("a", "b"), list);
        engine.bind("scriptArgs", String[].class, new String[] {"--steps", "5"});
        assertEquals("5", engine.capture("scriptArgs[1]"));
        assertThrows(IllegalArgumentException.class, () -> engine.bind("class", int.class, 1));
        assertThrows(IllegalArgumentException.class, () -> engine.bind("x", String.class, 3));
    }

    @Test
    void multiSnippetInputEvaluatesEachInOrder() {
        EvalResult r = engine.eval("int ma = 2; int mb = ma * 3;\nma + mb");
        assertTrue(r.ok(), r.text());
        assertEquals(3, r.outcomes().size());
        assertEquals(EvalResult.Kind.VARIABLE, r.outcomes().get(0).kind());
        assertEquals(EvalResult.Kind.VALUE, r.outcomes().get(2).kind());
        assertEquals(8, r.value());
        assertEquals(2, r.outcomes().get(2).line());
        assertTrue(r.text().contains("mb ==> 6"), r.text());
        // a method over several lines, then its use
        r = engine.eval("int twice(int x) {\n  return 2 * x;\n}\ntwice(21)");
        assertEquals(EvalResult.Kind.DEFINITION, r.outcomes().get(0).kind());
        assertTrue(r.text().contains("created method twice(int)"), r.text());
        assertEquals(42, r.value());
    }

    @Test
    void compileErrorIsReportedWithPositionAndEngineCarriesOn() {
        EvalResult r = engine.eval("int ok1 = 1;\nint bad = noSuchThing + 1;\nint after = 3;");
        assertFalse(r.ok());
        EvalResult.Outcome f = r.firstFailure().orElseThrow();
        assertEquals(EvalResult.Kind.COMPILE_ERROR, f.kind());
        assertEquals(2, f.line());
        assertTrue(f.text().contains("cannot find symbol"), f.text());
        assertTrue(f.text().contains("int bad = noSuchThing + 1;\n|            ^---------^"), f.text());
        assertEquals(3, engine.capture("after"), "the snippets after the error still ran");
        assertEquals(4, engine.capture("ok1 + after"));
    }

    @Test
    void exceptionIsReportedWithClassMessageAndLiveException() {
        EvalResult r = engine.eval("String s0 = null;\nint n0 = Integer.parseInt(\"x1\");");
        EvalResult.Outcome f = r.firstFailure().orElseThrow();
        assertEquals(EvalResult.Kind.EXCEPTION, f.kind());
        assertTrue(f.text().startsWith("|  Exception java.lang.NumberFormatException: For input string: \"x1\""),
                f.text());
        assertInstanceOf(NumberFormatException.class, f.exception());
        assertEquals(2, f.line());
        r = engine.eval("void boom() {\n  throw new IllegalStateException(\"boom\");\n}\nboom();");
        f = r.firstFailure().orElseThrow();
        assertTrue(f.text().contains("java.lang.IllegalStateException: boom"), f.text());
        assertTrue(f.text().contains("at boom (#"), f.text());
        assertEquals(5, engine.capture("2 + 3"));
    }

    @Test
    void systemExitInSnippetEndsOnlyTheSnippet() {
        EvalResult r = engine.eval("int beforeExit = 1; System.exit(3); int afterExit = 2;");
        EvalResult.Outcome exit = r.outcomes().get(1);
        assertEquals(EvalResult.Kind.EXIT, exit.kind());
        assertEquals(3, exit.value());
        assertFalse(r.ok(), "a non-zero exit counts as a failure");
        assertEquals(2, r.outcomes().size(), "input after System.exit is not evaluated");
        // not swallowed by catch (Exception), also from inside a method and through Runtime
        r = engine.eval("void leave() { try { java.lang.System . exit(4); } catch (Exception e) { } }\nleave();");
        assertEquals(4, r.outcomes().get(1).value(), r.text());
        r = engine.eval("Runtime.getRuntime().halt(5);");
        assertEquals(5, r.outcomes().get(0).value());
        // strings and comments are left alone
        r = engine.eval("String exitText = \"System.exit(1)\"; // System.exit(2)\nexitText");
        assertEquals("System.exit(1)", r.value());
        assertEquals(EvalResult.Kind.EXIT, engine.eval("System.exit(0)").outcomes().get(0).kind());
        assertTrue(engine.eval("System.exit(0)").ok(), "exit status 0 is not a failure");
        assertEquals(6, engine.capture("3 + 3"), "the engine still works");
    }

    @Test
    void infiniteLoopIsStoppedFromAnotherThreadAndStateSurvives() throws Exception {
        engine.eval("ThreadLocal<String> mark = new ThreadLocal<>(); mark.set(\"kept\");");
        String threadBefore = (String) engine.capture("Thread.currentThread().getName()");
        AtomicReference<EvalResult> result = new AtomicReference<>();
        Thread host = new Thread(() -> result.set(engine.eval("long spins = 0;\nwhile (true) { spins++; }")));
        host.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(engine.busy() && host.isAlive()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100);
        assertTrue(engine.stop(), "a snippet was running");
        host.join(10_000);
        assertFalse(host.isAlive());
        EvalResult.Outcome last = result.get().outcomes().get(result.get().outcomes().size() - 1);
        assertEquals(EvalResult.Kind.STOPPED, last.kind());
        assertTrue((Long) engine.capture("spins") > 0, "the loop ran and its variable is kept");
        assertEquals(threadBefore, engine.capture("Thread.currentThread().getName()"));
        assertEquals("kept", engine.capture("mark.get()"), "the snippet thread survived with its thread locals");
        assertFalse(engine.stop(), "nothing runs now");
    }

    @Test
    void threadLocalStateIsKeptAcrossSnippets() {
        engine.eval("ThreadLocal<Integer> tl = new ThreadLocal<>();");
        engine.eval("tl.set(41);");
        assertEquals(42, engine.capture("tl.get() + 1"));
        Object t1 = engine.capture("Thread.currentThread()");
        Object t2 = engine.capture("Thread.currentThread()");
        assertSame(t1, t2, "all snippets run on one thread");
        assertNotEquals(Thread.currentThread(), t1);
    }

    @Test
    void libtorchGradModeIsOffOnTheSnippetThreadAndStaysAsSet() throws Exception {
        // P3: grad mode is on in a fresh thread; the snippet thread turned it off at start
        AtomicReference<Object> fresh = new AtomicReference<>();
        Thread t = new Thread(() -> fresh.set(ai.djl.pytorch.jni.JniUtils.isGradMode()));
        assertEquals(false, engine.capture("ai.djl.pytorch.jni.JniUtils.isGradMode()"));
        t.start();
        t.join();
        assertEquals(true, fresh.get(), "premise: a new thread starts with grad mode on");
        engine.eval("ai.djl.pytorch.jni.JniUtils.setGradMode(true);");
        assertEquals(true, engine.capture("ai.djl.pytorch.jni.JniUtils.isGradMode()"));
        engine.eval("ai.djl.pytorch.jni.JniUtils.setGradMode(false);");
        assertEquals(false, engine.capture("ai.djl.pytorch.jni.JniUtils.isGradMode()"));
        assertEquals(false, engine.call(ai.djl.pytorch.jni.JniUtils::isGradMode), "call() runs on the same thread");
    }

    @Test
    void valuesAreRenderedHostSideAndHugeOutputIsTruncated() {
        double[] v = new double[30];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5;
        }
        Table table = Table.create("metrics", DoubleColumn.create("loss", v));
        engine.bind("metrics", Table.class, table);
        String text = engine.eval("metrics").text();
        assertTrue(text.startsWith("metrics ==> \n"), text);
        // print(20): the first and last 10 rows, row 10 (5.0) to row 19 (9.5) left out
        assertTrue(text.contains("\n  4.5  |") && text.contains("\n   10  |") && text.contains("\n 14.5  |"), text);
        assertFalse(text.contains("\n    5  |") || text.contains("\n  9.5  |"), text);
        assertTrue(text.contains("(20 of 30 rows shown;"), text);
        text = engine.eval("\"x\".repeat(30000)").text();
        assertTrue(text.contains("output truncated"), text);
        assertTrue(text.length() < 20_200);
    }

    @Test
    void defaultImportsArePresentWhenTheirPackagesExist() {
        assertTrue(engine.imports().containsAll(List.of("java.util.*", "java.nio.file.*", "cpm.dsl.*",
                "cpm.repl.*", "tech.tablesaw.api.*")), engine.imports().toString());
        assertFalse(engine.imports().contains("cpm.viz.*") && getClass().getClassLoader()
                .getResource("cpm/viz/") == null);
        assertEquals(Presets.get("tiny"), engine.capture("Presets.get(\"tiny\")"));
        assertTrue(engine.eval("Path p0 = Paths.get(\"a\"); List<Integer> l0 = new ArrayList<>();").ok());
    }

    @Test
    void runScriptReportsFailuresAndContinues() throws Exception {
        Path script = tmp.resolve("steps.jsh");
        Files.writeString(script, String.join("\n",
                "// a comment",
                "int sa = 10;",
                "sa = sa / 0;",
                "/list",
                "void setSa() {",
                "   sa = 5;",
                "}",
                "setSa();",
                "int sb = undefinedName;",
                ""));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean failed = engine.runScript(script, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(failed);
        assertEquals(5, engine.capture("sa"), "the lines after the failure ran");
        assertTrue(report.contains(script + ":3: Exception java.lang.ArithmeticException: / by zero"), report);
        assertTrue(report.contains(script + ":9: Error:"), report);

        Path clean = tmp.resolve("clean.jsh");
        Files.writeString(clean, "int sc = 1;\n/exit\nint sd = 1 / 0;\n");
        assertFalse(engine.runScript(clean, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        Path exits = tmp.resolve("exits.jsh");
        Files.writeString(exits, "int se = 1;\nSystem.exit(2);\nse = 9;\n");
        assertTrue(engine.runScript(exits, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        assertEquals(1, engine.capture("se"), "System.exit ends the script");
    }

    @Test
    void evalRecipeReturnsLastExpressionOrRecipeVariable() throws Exception {
        Path last = tmp.resolve("last.jsh");
        Files.writeString(last, "// tiny with another seed\nvar base = Presets.get(\"tiny\");\n"
                + "base.with(\"run.seed\", 7)\n");
        Recipe r = engine.evalRecipe(last);
        assertEquals(7, r.run().seed());
        assertEquals(Presets.get("tiny").with("run.seed", 7), r);

        Path var = tmp.resolve("var.jsh");
        Files.writeString(var, "Recipe recipe = Presets.get(\"tiny\").with(\"run.seed\", 7);\n"
                + "recipe = recipe.with(\"optim.steps\", 300);\nint unrelated = 3;\nunrelated\n");
        Path chain = tmp.resolve("chain.jsh");
        Files.writeString(chain, "Presets.get(\"tiny\")\n    // fluent chain over lines\n    .with(\"run.seed\", 9)\n"
                + "    .with(\"optim.steps\", 120)\n");
        Recipe c = engine.evalRecipe(chain);
        assertEquals(Presets.get("tiny").with("run.seed", 9).with("optim.steps", 120), c);

        Recipe v = engine.evalRecipe(var);
        assertEquals(300, v.optim().steps());
        assertEquals(7, v.run().seed());
    }

    @Test
    void evalRecipeErrorsNameTheFileAndLine() throws Exception {
        Path none = tmp.resolve("none.jsh");
        Files.writeString(none, "int notARecipe = 3;\nnotARecipe\n");
        RecipeException e = assertThrows(RecipeException.class, () -> engine.evalRecipe(none));
        assertTrue(e.getMessage().contains("script " + none
                + ": found no variable `recipe` and no Recipe as last expression, expected "), e.getMessage());

        Path throwing = tmp.resolve("throwing.jsh");
        Files.writeString(throwing, "var rb = Presets.get(\"tiny\");\nObject o = null; o.hashCode();\nrb\n");
        e = assertThrows(RecipeException.class, () -> engine.evalRecipe(throwing));
        assertTrue(e.getMessage().contains("script " + throwing + " line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("java.lang.NullPointerException"), e.getMessage());

        Path badField = tmp.resolve("badpreset.jsh");
        Files.writeString(badField, "\nPresets.get(\"no-such-preset\")\n");
        e = assertThrows(RecipeException.class, () -> engine.evalRecipe(badField));
        assertEquals(badField + " line 2", e.source());
        assertTrue(e.getMessage().contains("preset: found \"no-such-preset\""), e.getMessage());

        Path wrong = tmp.resolve("compile.jsh");
        Files.writeString(wrong, "Recipe recipe = Presets.get(\"tiny\")\n  .with(\"run.seed\", nope);\n");
        e = assertThrows(RecipeException.class, () -> engine.evalRecipe(wrong));
        assertTrue(e.getMessage().contains("script " + wrong + " line 2: found a compile error: cannot find symbol"),
                e.getMessage());
        assertThrows(RecipeException.class, () -> engine.evalRecipe(tmp.resolve("missing.jsh")));
    }
    @Test
    void interruptAsksTheHookFirstThenStopsHard() throws Exception {
        // a "training" that polls a host flag between steps, as the toolkit's loop does
        java.util.concurrent.atomic.AtomicBoolean stopAsked = new java.util.concurrent.atomic.AtomicBoolean();
        engine.bind("stopAsked", java.util.concurrent.atomic.AtomicBoolean.class, stopAsked);
        engine.setInterruptHook(() -> {
            stopAsked.set(true);
            return true;
        });
        try {
            AtomicReference<EvalResult> result = new AtomicReference<>();
            Thread host = new Thread(() -> result.set(engine.eval(
                    "int steps = 0; while (!stopAsked.get()) { steps++; Thread.onSpinWait(); } steps > 0")));
            host.start();
            while (!engine.busy()) {
                Thread.sleep(5);
            }
            Thread.sleep(50);
            assertTrue(engine.interrupt(), "the hook took the interruption");
            host.join(10_000);
            assertTrue(result.get().ok(), "the loop ended by itself at a step boundary: " + result.get().text());
            assertEquals(true, result.get().value());

            // the hook declines (nothing to stop softly): the snippet is stopped hard
            engine.setInterruptHook(() -> false);
            host = new Thread(() -> result.set(engine.eval("while (true) { Thread.onSpinWait(); }")));
            host.start();
            while (!engine.busy()) {
                Thread.sleep(5);
            }
            assertFalse(engine.interrupt());
            host.join(10_000);
            assertEquals(EvalResult.Kind.STOPPED, result.get().outcomes().get(0).kind());

            // host code on the snippet thread is stoppable too
            engine.setInterruptHook(null);
            Thread stopper = new Thread(() -> {
                while (!engine.busy()) {
                    Thread.onSpinWait();
                }
                engine.interrupt();
            });
            stopper.start();
            assertThrows(java.util.concurrent.CancellationException.class, () -> engine.call(() -> {
                while (true) {
                    Thread.onSpinWait();
                }
            }));
            stopper.join();
            assertEquals(3, engine.capture("1 + 2"));
        } finally {
            engine.setInterruptHook(null);
        }
    }

    @Test
    void exitGuardRewritesOnlyCode() {
        String src = "String a = \"System.exit(1)\"; /* System.exit(2) */ char c = '\"';\n"
                + "String t = \"\"\"\n  System.exit(3)\n  \"\"\";\nSystem.exit (4); x.System.exit(5); mySystem.exit(6);";
        String out = ExitGuard.rewrite(src);
        assertEquals(src.replace("System.exit (4)", "cpm.repl.Session.exit(4)"), out);
        assertEquals("cpm.repl.Session.exit(0)", ExitGuard.rewrite("java.lang.Runtime.getRuntime().exit(0)"));
    }
}
