package cpm.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The meta-command registry, :help, errors, the Table result bound as `last`, and the generic commands. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetaCommandsTest {

    static ScriptEngine engine;
    static ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    static MetaCommands registry;
    static MetaContext ctx;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        engine = ScriptEngine.builder().gradModeOff(false).build();
        registry = MetaCommands.withDefaults();
        ctx = MetaContext.of(engine, registry, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static Table losses(int steps) {
        int[] step = new int[steps];
        double[] loss = new double[steps];
        for (int i = 0; i < steps; i++) {
            step[i] = i + 1;
            loss[i] = 1.0 / (i + 1);
        }
        return Table.create("history", IntColumn.create("step", step), DoubleColumn.create("loss", loss));
    }

    @Test
    void registeredCommandRunsAndItsTableBecomesLast() {
        registry.register("step", "[N]", "train N steps with a progress line", (args, c) -> {
            int n = args.isEmpty() ? 1 : Integer.parseInt(args);
            c.out().println("stepping " + n);
            return losses(n);
        });
        MetaResult r = registry.dispatch(":step 3", ctx);
        assertTrue(r.ok(), r.text());
        Table t = (Table) r.value();
        assertEquals(3, t.rowCount());
        assertTrue(r.text().startsWith("last ==> \n"), r.text());
        assertTrue(r.text().contains("0.3333"), r.text());
        assertSame(t, engine.capture("last"), "the Table result is the JShell variable `last`");
        assertEquals(3, engine.capture("last.rowCount()"));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("stepping 3"));
        // a String result is the text; null prints nothing
        registry.register("hello", "", "greets", (args, c) -> "|  hello " + args);
        assertEquals("|  hello you", registry.dispatch("hello   you", ctx).text());
        MetaCommand old = registry.register("hello", "", "silent", (args, c) -> null);
        assertEquals("greets", old.help(), "register returns the command it replaced");
        assertEquals("", registry.dispatch(":hello", ctx).text());
    }

    @Test
    void helpListsEveryCommandWithItsHelpAndDetailsOne() {
        registry.register("probe", "CLASS", "show what the probe sees", "Longer text\non two lines.",
                (args, c) -> null);
        String help = registry.dispatch(":help", ctx).text();
        for (MetaCommand c : registry.all()) {
            assertTrue(help.contains(c.usage()) && help.contains(c.help()), c.name() + " missing in\n" + help);
        }
        List<String> listed = help.lines().filter(l -> l.startsWith("|    :")).collect(Collectors.toList());
        assertEquals(registry.names().size(), listed.size());
        String one = registry.dispatch(":help probe", ctx).text();
        assertEquals("|  :probe CLASS\n|    show what the probe sees\n|    Longer text\n|    on two lines.", one);
        assertTrue(registry.dispatch(":help :export", ctx).text().contains(":export NAME FILE.csv"));
        assertTrue(registry.dispatch(":expo onlyOne", ctx).text().contains("usage: :export NAME FILE.csv"),
                "a unique prefix runs the command");
    }

    @Test
    void unknownCommandListsCloseNamesAndErrorsAreReported() {
        registry.register("step", "[N]", "train", (args, c) -> null);
        registry.register("show", "", "show", (args, c) -> null);
        MetaResult r = registry.dispatch(":stpe 5", ctx);
        assertFalse(r.ok());
        assertEquals("|  unknown command :stpe; did you mean :step? (:help lists all commands)", r.text());
        r = registry.dispatch(":s", ctx);
        assertTrue(r.text().contains("it could be") && r.text().contains(":step") && r.text().contains(":show"),
                r.text());
        assertEquals("|  unknown command :zzzzzz (:help lists all commands)", registry.dispatch(":zzzzzz", ctx).text());
        registry.register("boom", "", "fails", (args, c) -> {
            throw new IllegalStateException("no model yet: run :compile first");
        });
        r = registry.dispatch(":boom", ctx);
        assertFalse(r.ok());
        assertEquals("|  :boom failed: no model yet: run :compile first", r.text());
        registry.register("npe", "", "fails", (args, c) -> {
            throw new UnsupportedOperationException("nope");
        });
        assertEquals("|  :npe failed: UnsupportedOperationException: nope", registry.dispatch(":npe", ctx).text());
        assertEquals(2, engine.capture("1 + 1"), "the engine carries on");
    }

    @Test
    void exportWritesTheTableAsCsvAtomically() throws Exception {
        Table t = Table.create("m", StringColumn.create("name", "a,b", "plain", "q\"uote"),
                DoubleColumn.create("score", 0.125, Double.NaN, 1e-9));
        engine.bind("scores", Table.class, t);
        Path out = tmp.resolve("sub/scores.csv");
        MetaResult r = registry.dispatch(":export scores " + out, ctx);
        assertTrue(r.ok(), r.text());
        assertEquals("|  wrote 3 rows and 2 columns to " + out, r.text());
        try (Reader in = Files.newBufferedReader(out);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
            assertEquals(List.of("name", "score"), p.getHeaderNames());
            List<CSVRecord> rows = p.getRecords();
            assertEquals(3, rows.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(t.stringColumn("name").get(i), rows.get(i).get("name"));
                String s = rows.get(i).get("score");
                if (t.doubleColumn("score").isMissing(i)) {
                    assertEquals("", s, "missing values are empty");
                } else {
                    assertEquals(t.doubleColumn("score").getDouble(i), Double.parseDouble(s), 0.0);
                }
            }
        }
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of(out), files.collect(Collectors.toList()), "no temporary file is left");
        }
        // `last` from a Table-valued command
        registry.register("hist", "", "history table", (args, c) -> losses(4));
        registry.dispatch(":hist", ctx);
        Path lastCsv = tmp.resolve("last.csv");
        assertTrue(registry.dispatch(":export last " + lastCsv, ctx).ok());
        assertEquals(5, Files.readAllLines(lastCsv).size());
        assertEquals("step,loss", Files.readAllLines(lastCsv).get(0));
        assertEquals("4,0.25", Files.readAllLines(lastCsv).get(4));

        engine.eval("String notTable = \"x\";");
        r = registry.dispatch(":export notTable " + tmp.resolve("x.csv"), ctx);
        assertFalse(r.ok());
        assertTrue(r.text().contains("notTable is a java.lang.String, expected a tech.tablesaw.api.Table"), r.text());
        assertFalse(Files.exists(tmp.resolve("x.csv")));
        assertTrue(registry.dispatch(":export onlyOne", ctx).text().contains("usage: :export NAME FILE.csv"));
    }

    @Test
    void loadVarsHistoryResetAndQuit() throws Exception {
        Path script = tmp.resolve("setup.jsh");
        Files.writeString(script, "int loadedA = 6;\nint loadedB = loadedA * 7;\n");
        MetaResult r = registry.dispatch(":load " + script, ctx);
        assertEquals("|  loaded " + script, r.text());
        assertEquals(42, engine.capture("loadedB"));
        String vars = registry.dispatch(":vars", ctx).text();
        assertTrue(vars.contains("|    int loadedB = 42"), vars);
        assertFalse(registry.dispatch(":load " + tmp.resolve("none.jsh"), ctx).ok());

        ctx.history().addAll(List.of("int x = 1;", "void f() {\n}", ":vars"));
        assertEquals("    2  void f() {\n       }\n    3  :vars", registry.dispatch(":history 2", ctx).text());

        MetaContext own = MetaContext.of(ScriptEngine.builder().defaultImports(false).gradModeOff(false).build(),
                registry, System.out);
        try (ScriptEngine e = own.engine()) {
            java.util.concurrent.atomic.AtomicInteger host = new java.util.concurrent.atomic.AtomicInteger(5);
            e.bind("host", java.util.concurrent.atomic.AtomicInteger.class, host);
            e.eval("int temp = 3;");
            registry.dispatch(":reset", own);
            assertFalse(e.variableNames().contains("temp"));
            assertSame(host, e.capture("host"), "host bindings survive :reset");
            assertFalse(own.quitRequested());
            assertNull(registry.dispatch(":quit", own).value());
            assertTrue(own.quitRequested());
        }
    }
}
