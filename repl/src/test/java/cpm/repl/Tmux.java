package cpm.repl;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A program in a real terminal (a detached tmux session on a private socket), driven as a person would. */
final class Tmux implements AutoCloseable {

    private final String socket;
    private final String session = "t";
    /** What {@link #exitStatus} returns when the program ended but tmux did not collect its status. */
    static final String EXITED_STATUS_UNKNOWN = "exited (status not collected by tmux)";

    Tmux(String socket, List<String> command, int width, int height) throws Exception {
        this.socket = socket;
        List<String> start = new ArrayList<>(List.of("new-session", "-d", "-s", session, "-x", "" + width, "-y",
                "" + height));
        start.addAll(command);
        run(start.toArray(new String[0]));
        run("set-option", "-t", session, "remain-on-exit", "on");
    }

    static boolean available() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, "tmux").canExecute()) {
                return true;
            }
        }
        return new File("/usr/bin/tmux").canExecute();
    }

    /** A java command line with this JVM's class path and DJL settings. */
    static List<String> java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-Djava.awt.headless=true"));
        for (String p : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, ClassPaths.collect(Tmux.class.getClassLoader())),
                mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    String run(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("tmux", "-L", socket));
        c.addAll(List.of(args));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    /** Types text; tmux takes ';' as a command separator, so it is sent as hex 3b. */
    void type(String text) throws Exception {
        String[] parts = text.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                run("send-keys", "-t", session, "-l", parts[i]);
            }
            if (i < parts.length - 1) {
                run("send-keys", "-t", session, "-H", "3b");
            }
        }
    }

    void line(String text) throws Exception {
        type(text);
        key("Enter");
    }

    void key(String k) throws Exception {
        run("send-keys", "-t", session, k);
    }

    String screen() throws Exception {
        return run("capture-pane", "-p", "-J", "-t", session, "-S", "-2000");
    }

    /** Waits until the screen holds {@code needle} at least {@code count} times. */
    void waitFor(String needle, int count, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String s = "";
        while (System.nanoTime() < deadline) {
            s = screen();
            if (occurrences(s, needle) >= count) {
                return;
            }
            Thread.sleep(100);
        }
        fail("waited " + seconds + " s for \"" + needle + "\" (x" + count + "); the screen shows:\n" + s);
    }

    void waitFor(String needle, int seconds) throws Exception {
        waitFor(needle, 1, seconds);
    }

    static int occurrences(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    /**
     * The exit status once the program has ended, or null after {@code seconds}. tmux marks a pane dead when its
     * terminal closes, which can come before it has collected the exit status, so this waits for both.
     */
    String exitStatus(int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long deadSince = 0;
        while (System.nanoTime() < deadline) {
            String[] dead = run("display-message", "-p", "-t", session, "#{pane_dead} #{pane_dead_status}").strip()
                    .split(" ");
            if (dead.length == 2 && dead[0].equals("1")) {
                return dead[1];
            }
            if (dead[0].equals("1")) {
                // the program closed its terminal; on this machine tmux sometimes never collects the status of
                // a process started from a test JVM (the pane stays dead with no status, the process a zombie)
                deadSince = deadSince == 0 ? System.nanoTime() : deadSince;
                if (System.nanoTime() - deadSince > TimeUnit.SECONDS.toNanos(3)) {
                    return EXITED_STATUS_UNKNOWN;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    /**
     * Kills the server and waits until it is gone: kill-server returns while the server is still exiting, and a
     * new session started on the same socket in that window fails with "server exited unexpectedly".
     */
    @Override
    public void close() {
        try {
            run("kill-server");
        } catch (IOException | InterruptedException | AssertionError e) {
            // already gone
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                run("list-sessions");
                Thread.sleep(50);
            } catch (IOException e) {
                return; // no server answers on the socket any more
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
