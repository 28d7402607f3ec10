package cpm.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
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

    private String socket;
    private static final String SESSION = "repl";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void personAtATerminalUnderTmux() throws Exception {
        assumeTrue(new File("/usr/bin/tmux").canExecute() || onPath("tmux"), "tmux is not installed");
        socket = "cpm-repl-test-" + ProcessHandle.current().pid();
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
        try {
            List<String> start = new ArrayList<>(List.of("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "50"));
            start.addAll(cmd);
            tmux(start.toArray(new String[0]));
            tmux("set-option", "-t", SESSION, "remain-on-exit", "on");
            waitFor("cpm>", 60); // capture-pane drops trailing blanks

            type("long n = 0;");
            enter();
            waitFor("n ==> 0", 20);

            type("void bump() {");
            enter();
            waitFor(ReplShell.CONTINUATION.stripTrailing(), 10);
            type("  n += 10;");
            enter();
            type("}");
            enter();
            waitFor("created method bump()", 10);
            type("bump();");
            enter();
            type("n");
            enter();
            waitFor("n ==> 10", 10);

            type("\"hello\".toUpperC");
            tmux("send-keys", "-t", SESSION, "Tab");
            waitFor("\"hello\".toUpperCase(", 10);
            type(")");
            enter();
            waitFor("==> \"HELLO\"", 10);

            type("while (true) { n++; }");
            enter();
            Thread.sleep(1500);
            tmux("send-keys", "-t", SESSION, "C-c");
            waitFor("|  stopped", 10);
            type("n > 10");
            enter();
            waitFor("==> true", 10);

            type("half typed garbage");
            waitFor("garbage", 10);
            long prompts = screen().lines().filter(l -> l.startsWith("cpm>")).count();
            tmux("send-keys", "-t", SESSION, "C-c");
            long deadline0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (screen().lines().filter(l -> l.startsWith("cpm>")).count() == prompts
                    && System.nanoTime() < deadline0) {
                Thread.sleep(50); // a fresh prompt after Ctrl-C
            }
            type("40 + 2");
            enter();
            waitFor("==> 42", 10);
            assertFalse(screen().contains("garbage40"), "Ctrl-C at the prompt cleared the line");

            type(":nosuch");
            enter();
            waitFor("unknown command :nosuch", 10);
            type("System.exit(3);");
            enter();
            waitFor("System.exit(3) ignored", 10);
            type("n > 0 ? \"alive\" : \"?\"");
            enter();
            waitFor("==> \"alive\"", 10);

            tmux("send-keys", "-t", SESSION, "C-d");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String dead = "";
            while (System.nanoTime() < deadline) {
                dead = tmux("display-message", "-p", "-t", SESSION, "#{pane_dead} #{pane_dead_status}").strip();
                if (dead.startsWith("1")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals("1 0", dead, "Ctrl-D leaves with status 0\n" + screen());
            List<String> saved = Files.readAllLines(history);
            assertTrue(saved.stream().anyMatch(l -> l.endsWith(":long n = 0;")), saved.toString());
            assertTrue(saved.stream().anyMatch(l -> l.endsWith(":void bump() {\\n  n += 10;\\n}")), saved.toString());
        } finally {
            try {
                tmux("kill-server");
            } catch (IOException | AssertionError e) {
                // already gone
            }
        }
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, exe).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("tmux", "-L", socket));
        c.addAll(List.of(args));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    /** Types text; tmux takes a trailing ';' as a command separator (P7), so ';' is sent as hex 3b. */
    private void type(String text) throws Exception {
        String[] parts = text.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                tmux("send-keys", "-t", SESSION, "-l", parts[i]);
            }
            if (i < parts.length - 1) {
                tmux("send-keys", "-t", SESSION, "-H", "3b");
            }
        }
    }

    private void enter() throws Exception {
        tmux("send-keys", "-t", SESSION, "Enter");
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", SESSION, "-S", "-500");
    }

    private void waitFor(String needle, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String s = "";
        while (System.nanoTime() < deadline) {
            s = screen();
            if (s.contains(needle)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("waited " + seconds + " s for \"" + needle + "\"; the screen shows:\n" + s);
    }
}
