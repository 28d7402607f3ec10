package cpm.repl;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tech.tablesaw.api.Table;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19 class 10: the REPL's history holds every step, however it was taken; :step says how long is left. */
class SessionStepHistoryTest {

    static Recipe small() {
        return Presets.get("tiny").with(Map.of("optim.steps", 20, "optim.warmupSteps", 1, "data.trainItems", 4,
                "data.testItems", 2, "eval.maxItems", 2, "run.threads", 1, "optim.batchSize", 2, "image.size", 64,
                "run.checkpointInterval", 0, "run.logInterval", 1));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void stepsTakenBySnippetsAndByStepAreAllInTheHistory() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        MetaCommands commands = MetaCommands.withDefaults();
        try (ScriptEngine engine = ScriptEngine.builder().out(out).build();
             Workbench wb = new Workbench(engine, small())) {
            wb.setRunDir(Files.createTempDirectory("cpm-history"));
            wb.install(commands);
            MetaContext ctx = MetaContext.of(engine, commands, out);
            assertTrue(commands.dispatch(":compile", ctx).ok());
            // two steps from a snippet, as docs/repl.md shows `session.step()`
            var r = engine.eval("var a = session.step(); var b = session.step(); b.loss()");
            assertTrue(r.ok(), r.text());
            double loss2 = (Double) engine.capture("b.loss()");
            assertEquals(2, engine.capture("history.rowCount()"), "the bound `history` grew without a command");
            MetaResult h = commands.dispatch(":history", ctx);
            Table t = (Table) h.value();
            assertEquals(2, t.rowCount(), h.text());
            assertEquals(1, t.intColumn("step").get(0));
            assertEquals(2, t.intColumn("step").get(1));
            assertEquals(loss2, t.doubleColumn("loss").get(1), 0.0, "the row holds the step's own loss");
            // then :step: its rows follow on, and its line says how long is left
            MetaResult s = commands.dispatch(":step 2", ctx);
            assertTrue(s.ok(), s.text());
            assertEquals(2, ((Table) s.value()).rowCount(), "the rows of this call");
            assertEquals(4, wb.history().size());
            assertEquals(4, engine.capture("history.rowCount()"));
            double[] secs = wb.history().rows().stream().mapToDouble(x -> x.get("seconds")).toArray();
            for (int i = 1; i < secs.length; i++) {
                assertTrue(secs[i] > secs[i - 1], "training time grows step by step: " + java.util.Arrays.toString(secs));
            }
            String progress = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(progress.contains("step 4 (2/2)"), progress);
            assertTrue(progress.matches("(?s).*step 3 \\(1/2\\).* s/step  \\S+( s)? left.*"), progress);
            // not a terminal (the test's stream): whole lines, one per tenth of the call (here every step), no \r
            assertFalse(progress.contains("\r"), progress);
            assertEquals(2, progress.lines().filter(l -> l.startsWith("|  step ")).count(), progress);
        }
    }
}
