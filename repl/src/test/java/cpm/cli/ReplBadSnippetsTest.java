package cpm.cli;

import cpm.repl.EvalResult;
import cpm.repl.ScriptEngine;
import cpm.train.TrainingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A workshop types anything: 100 bad snippets (compile errors, exceptions, infinite loops stopped by Ctrl-C, huge
 * output, System.exit) go to the REPL engine with a training session bound. Afterwards the engine still evaluates,
 * and the session is intact: its next training step equals, bit for bit, the same step of a session that never
 * saw a bad snippet.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplBadSnippetsTest {

    @Test
    void hundredBadSnippetsLeaveTheSessionAndTheEngineAlive() throws Exception {
        AtomicLong printed = new AtomicLong();
        PrintStream counting = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                printed.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                printed.addAndGet(len);
            }
        }, true);
        List<String> snippets = badSnippets();
        assertEquals(100, snippets.size());
        try (TrainingSession reference = new TrainingSession(CliFixtures.quick(8));
             TrainingSession session = new TrainingSession(CliFixtures.quick(8));
             ScriptEngine engine = ScriptEngine.builder().out(counting).maxOutputChars(10_000).build()) {
            reference.step();
            session.step();
            engine.bind("session", TrainingSession.class, session);
            Map<EvalResult.Kind, Integer> kinds = new LinkedHashMap<>();
            List<String> unexpected = new ArrayList<>();
            for (String s : snippets) {
                EvalResult r = s.startsWith("LOOP:") ? runAndInterrupt(engine, s.substring(5)) : engine.eval(s);
                EvalResult.Outcome last = r.outcomes().get(r.outcomes().size() - 1);
                kinds.merge(last.kind(), 1, Integer::sum);
                if (!(BAD.contains(last.kind()) || s.contains("repeat") || s.contains("println")
                        || s.contains("range"))) {
                    unexpected.add(s + " -> " + last.kind() + ": " + r.text());
                }
                assertTrue(r.text().length() <= 12_000, "rendering is bounded: " + r.text().length());
                assertEquals(2, engine.capture("1 + 1"), "the engine answers after: " + s);
            }
            assertEquals(List.of(), unexpected, "snippets that were not rejected");
            assertTrue(kinds.getOrDefault(EvalResult.Kind.COMPILE_ERROR, 0) >= 25, kinds.toString());
            assertTrue(kinds.getOrDefault(EvalResult.Kind.EXCEPTION, 0) >= 25, kinds.toString());
            assertTrue(kinds.getOrDefault(EvalResult.Kind.STOPPED, 0) >= 5, kinds.toString());
            assertTrue(kinds.getOrDefault(EvalResult.Kind.EXIT, 0) >= 10, kinds.toString());
            assertTrue(printed.get() > 100_000, "the huge outputs were printed: " + printed.get());
            assertFalse(engine.busy());
            // the training state is intact: the session was stepped from a snippet and matches the reference
            assertEquals(1L, session.stepsDone());
            EvalResult step = engine.eval("session.step().loss()");
            assertTrue(step.ok(), step.text());
            double expected = reference.step().loss();
            assertEquals(expected, (Double) step.value(), 0.0, "the step after the bad snippets");
            assertEquals(2L, session.stepsDone());
            for (String name : reference.weights().entries().keySet()) {
                assertArrayEquals(reference.weights().entries().get(name).array().toFloatArray(),
                        session.weights().entries().get(name).array().toFloatArray(), 0f, name);
            }
        }
    }

    static final Set<EvalResult.Kind> BAD = EnumSet.of(EvalResult.Kind.COMPILE_ERROR, EvalResult.Kind.EXCEPTION,
            EvalResult.Kind.STOPPED, EvalResult.Kind.EXIT);

    /** Evaluates an endless snippet on another thread and presses Ctrl-C until it ends. */
    static EvalResult runAndInterrupt(ScriptEngine engine, String snippet) throws Exception {
        AtomicReference<EvalResult> result = new AtomicReference<>();
        Thread host = new Thread(() -> result.set(engine.eval(snippet)));
        host.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!engine.busy() && host.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        // like a user at the keyboard: press Ctrl-C again while it still runs (a press can land between the
        // snippets of one input, when nothing is running)
        while (host.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            engine.interrupt();
            host.join(200);
        }
        assertFalse(host.isAlive(), "Ctrl-C ended " + snippet);
        return result.get();
    }

    static List<String> badSnippets() {
        List<String> s = new ArrayList<>();
        // 30 compile errors
        String[] compile = {
            "int x = ;", "session.stepp()", "Strin name = \"a\";", "int y = \"text\";", "session.step(3)",
            "int v = session.step;", "class { }", "int 3x = 1;", "session.recipe().getInt()", "for (int i = 0; i < ; i++) { }",
            "new TrainingSession()", "double d = session;", "String s = 'ab';", "List<int> li = null;",
            "session.weights().nosuch()", "void m() { return 1; }", "int z = 1 +* 2;", "import nosuch.pkg.Type;",
            "Object o = new Object() { void f() { undefined(); } };", "break;", "int[] arr = {1, 2,, 3};",
            "char c = \"c\";", "session.stepsDone() = 3;", "String t = null; t = 5;", "long l = 1L; l.size()",
            "enum E { A, B } E e = E.C;", "switch (1) { case \"a\": }", "this.toString()", "super.hashCode()",
            "int q = (int) \"9\";",
        };
        s.addAll(List.of(compile));
        // 30 exceptions (some from the session, read-only)
        String[] exceptions = {
            "throw new RuntimeException(\"boom\")", "Object o = null; o.toString();", "new int[1][0] = null;",
            "int[] a = new int[1]; a[5] = 1;", "Integer.parseInt(\"abc\")", "1 / 0", "List.of(1).add(2)",
            "new ArrayList<Integer>().get(3)", "Map.of(\"a\", 1, \"a\", 2)", "Optional.empty().get()",
            "session.recipe().getInt(\"no.such.field\")", "session.recipe().getString(\"optim.steps\")",
            "session.weights().entries().get(\"nope\").array()", "session.optimiser().state().get(\"x\").toFloatArray()",
            "session.recipe().with(\"optim.steps\", -1)", "session.recipe().with(\"nosuch\", 1)",
            "Path.of(\"/no/such/file\").toFile().length() > 0 ? null : Files.readString(Path.of(\"/no/such/file\"))",
            "int f(int n) { return f(n + 1) + 1; } f(1);", "new long[Integer.MAX_VALUE]", "(String) (Object) 3",
            "\"abc\".substring(5)", "Thread.sleep(-1)", "new java.util.Scanner(\"x\").nextInt()",
            "Objects.requireNonNull(null, \"nothing here\")", "List.of(1, 2).iterator().remove()",
            "throw new Error(\"an error, not an exception\")", "throw new StackOverflowError()",
            "Presets.get(\"no-such-preset\")", "session.classes().get(99)", "new java.math.BigDecimal(\"1e\")",
        };
        s.addAll(List.of(exceptions));
        // 10 endless snippets stopped by Ctrl-C
        for (int i = 0; i < 10; i++) {
            s.add(i % 2 == 0 ? "LOOP:while (true) { }" : "LOOP:long spin" + i + " = 0; while (true) { spin" + i
                    + "++; if (spin" + i + " < 0) break; }");
        }
        // 15 huge outputs: printed text and huge values (rendering is truncated)
        for (int i = 0; i < 5; i++) {
            s.add("for (int i = 0; i < 20000; i++) System.out.println(\"line \" + i);");
            s.add("\"x\".repeat(" + (1_000_000 + i) + ")");
            s.add("java.util.stream.IntStream.range(0, 200000).boxed().toList()");
        }
        // 15 ways to leave: System.exit and friends
        String[] exits = {
            "System.exit(1)", "System.exit(0)", "java.lang.System.exit(2)", "Runtime.getRuntime().exit(3)",
            "Runtime.getRuntime().halt(4)", "void leave() { System.exit(5); } leave();",
            "Runnable r = () -> System.exit(6); r.run();", "try { System.exit(7); } catch (Exception e) { }",
            "if (true) System . exit ( 8 );", "int code = 9; System.exit(code);",
            "java.util.function.IntConsumer c = System::exit; c.accept(10);",
            "session.stepsDone(); System.exit(11);", "System.exit(-1)", "Runtime.getRuntime().exit(0)",
            "for (int i = 0; i < 3; i++) System.exit(i + 12);",
        };
        s.addAll(List.of(exits));
        return s;
    }
}
