package cpm.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The JLine loop: on plain streams, and through a real terminal (tmux) as a person would use it. */
class ReplShellTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void streamsSessionRunsSnippetsMultiLineAndCommandsAndKeepsHistory() throws Exception {
        String input = String.join("\n",
                "int a = 20;",
                "void f() {",
                "  a += 1;",
                "}",
                "f();",
                "a * 2",
                "String bang = \"!x\"; bang != null",
                ":help",
                ":nosuch",
                "throw new RuntimeException(\"bad\")",
                "a",
                ":quit",
                "a = 99;",
                "");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path history = tmp.resolve("dir/history");
        int rc;
        try (ScriptEngine engine = ScriptEngine.builder().gradModeOff(false).build();
             ReplShell shell = new ReplShell(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out,
                     engine, history)) {
            AtomicBoolean ran = new AtomicBoolean();
            shell.commands().register("mark", "", "marks", (args, ctx) -> {
                ran.set(true);
                return "marked";
            });
            rc = shell.run();
            assertEquals(21, engine.capture("a"), ":quit ended the session before `a = 99`");
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc);
        assertTrue(text.contains("a ==> 20"), text);
        assertTrue(text.contains("created method f()"), text);
        assertTrue(text.contains("==> 42"), text);
        assertTrue(text.contains("bang ==> \"!x\""), "no history expansion of !\n" + text);
        assertTrue(text.contains(":mark") && text.contains("marks"), "registered commands appear in :help\n" + text);
        assertTrue(text.contains("unknown command :nosuch"), text);
        assertTrue(text.contains("|  Exception java.lang.RuntimeException: bad"), text);
        assertTrue(text.contains("a ==> 21"), text);
        List<String> saved = Files.readAllLines(history);
        assertTrue(saved.stream().anyMatch(l -> l.endsWith(":int a = 20;")), saved.toString());
        assertTrue(saved.stream().anyMatch(l -> l.endsWith(":void f() {\\n  a += 1;\\n}")), saved.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void endOfInputLeavesWithStatusZero() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ScriptEngine engine = ScriptEngine.builder().gradModeOff(false).defaultImports(false).build();
             ReplShell shell = new ReplShell(new ByteArrayInputStream("1 + 2\n".getBytes(StandardCharsets.UTF_8)),
                     out, engine, null)) {
            assertEquals(0, shell.run());
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("==> 3"));
    }

    // ------------------------------------------------------------------ a real terminal

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void personAtATerminalUnderTmux() throws Exception {
        assumeTrue(Tmux.available(), "tmux is not installed");
        String socket = "cpm-repl-test-" + ProcessHandle.current().pid();
        Path history = tmp.resolve("history");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"));
        for (String p : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, ClassPaths.collect(getClass().getClassLoader())),
                "cpm.repl.ReplMain", "--history", history.toString()));
        try (Tmux t = new Tmux(socket, cmd, 160, 50)) {
            t.waitFor("cpm>", 60); // capture-pane drops trailing blanks

            t.type("long n = 0;");
            t.key("Enter");
            t.waitFor("n ==> 0", 20);

            t.type("void bump() {");
            t.key("Enter");
            t.waitFor(ReplShell.CONTINUATION.stripTrailing(), 10);
            t.type("  n += 10;");
            t.key("Enter");
            t.type("}");
            t.key("Enter");
            t.waitFor("created method bump()", 10);
            t.type("bump();");
            t.key("Enter");
            t.type("n");
            t.key("Enter");
            t.waitFor("n ==> 10", 10);

            t.type("\"hello\".toUpperC");
            t.key("Tab");
            t.waitFor("\"hello\".toUpperCase(", 10);
            t.type(")");
            t.key("Enter");
            t.waitFor("==> \"HELLO\"", 10);

            t.type("while (true) { n++; }");
            t.key("Enter");
            Thread.sleep(1500);
            t.key("C-c");
            t.waitFor("|  stopped", 10);
            t.type("n > 10");
            t.key("Enter");
            t.waitFor("==> true", 10);

            t.type("half typed garbage");
            t.waitFor("garbage", 10);
            long prompts = t.screen().lines().filter(l -> l.startsWith("cpm>")).count();
            t.key("C-c");
            long deadline0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.screen().lines().filter(l -> l.startsWith("cpm>")).count() == prompts
                    && System.nanoTime() < deadline0) {
                Thread.sleep(50); // a fresh prompt after Ctrl-C
            }
            t.type("40 + 2");
            t.key("Enter");
            t.waitFor("==> 42", 10);
            assertFalse(t.screen().contains("garbage40"), "Ctrl-C at the prompt cleared the line");

            t.type(":nosuch");
            t.key("Enter");
            t.waitFor("unknown command :nosuch", 10);
            t.type("System.exit(3);");
            t.key("Enter");
            t.waitFor("System.exit(3) ignored", 10);
            t.type("n > 0 ? \"alive\" : \"?\"");
            t.key("Enter");
            t.waitFor("==> \"alive\"", 10);

            t.key("C-d");
            assertExited(t.exitStatus(20), "Ctrl-D leaves with status 0\n" + t.screen());
            List<String> saved = Files.readAllLines(history);
            assertTrue(saved.stream().anyMatch(l -> l.endsWith(":long n = 0;")), saved.toString());
            assertTrue(saved.stream().anyMatch(l -> l.endsWith(":void bump() {\\n  n += 10;\\n}")), saved.toString());
        }
    }

    /** The program ended with status 0, or ended with a status tmux did not collect (see Tmux#exitStatus). */
    private static void assertExited(String status, String message) {
        assertTrue("0".equals(status) || Tmux.EXITED_STATUS_UNKNOWN.equals(status), message + " (status " + status + ")");
    }
}
