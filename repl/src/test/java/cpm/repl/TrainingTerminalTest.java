package cpm.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./cpm repl} in a real terminal (tmux), as a workshop participant would use it: a snippet, a failing snippet,
 * :compile, :step 2, Ctrl-C during :step, :eval, :prompts bell 3, :match 0, :save; then {@code ./cpm repl --run}
 * on the saved run restores it.
 */
class TrainingTerminalTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void workshopSessionUnderTmux() throws Exception {
        assumeTrue(Tmux.available(), "tmux is not installed");
        Path recipe = tmp.resolve("small.jsh");
        Files.writeString(recipe, "var recipe = Presets.get(\"tiny\").with(Map.of(\"data.trainItems\", 8,"
                + " \"data.testItems\", 4, \"eval.maxItems\", 4, \"optim.batchSize\", 4, \"optim.warmupSteps\", 2,"
                + " \"run.threads\", 1, \"classifier.updateInterval\", 1, \"run.logInterval\", 1)).named(\"small\");\n");
        Path run = tmp.resolve("run");
        String socket = "cpm-train-test-" + ProcessHandle.current().pid();
        try (Tmux t = new Tmux(socket, Tmux.java("cpm.cli.Main", "repl", "--no-history", "--recipe", recipe.toString()),
                200, 60)) {
            t.waitFor("cpm>", 60);
            t.line("int twice(int x) { return 2 * x; } twice(21)");
            t.waitFor("==> 42", 20);
            t.line("int bad = nosuch + 1;");
            t.waitFor("cannot find symbol", 20);
            t.line(":compile");
            t.waitFor("compiled small", 90);
            t.line(":step 2");
            t.waitFor("step 2 (2/2)", 90);
            t.waitFor("steps 1..2", 30);
            t.line("history.rowCount()");
            t.waitFor("==> 2", 20);
            t.line(":step 200");
            t.waitFor("step 3 (1/200)", 60);
            t.key("C-c");
            t.waitFor("stopping at the next step boundary", 20);
            t.waitFor("at your request", 60);
            t.line("session.stepsDone() < 200");
            t.waitFor("==> true", 20);
            t.line(":eval");
            t.waitFor("miou", 90);
            t.line(":prompts bell 3");
            t.waitFor("prompts of bell drawn from the GMM", 30);
            t.line(":match 0");
            t.waitFor("matching of train item 0", 60);
            t.line(":set run.seed x");
            t.waitFor("run.seed", 2, 20);
            t.line(":save " + run.resolve("checkpoints").resolve("step-00000099.ckpt"));
            t.waitFor("saved step", 30);
            t.line("last.rowCount() > 0");
            t.waitFor("==> true", 2, 20);
            t.key("C-d");
            assertExited(t.exitStatus(30), "Ctrl-D leaves with status 0\n" + t.screen());
            String screen = t.screen();
            assertTrue(screen.contains("classCost") && screen.contains("topClass"), screen);
        }
        try (Tmux t = new Tmux(socket, Tmux.java("cpm.cli.Main", "repl", "--no-history", "--run", run.toString()),
                200, 60)) {
            t.waitFor("restored small at step", 90);
            t.line("session.stepsDone() == history.rowCount()");
            t.waitFor("==> true", 30);
            t.line(":quit");
            assertExited(t.exitStatus(30), t.screen());
        }
    }

    /** The program ended with status 0, or ended with a status tmux did not collect (see Tmux#exitStatus). */
    private static void assertExited(String status, String message) {
        assertTrue("0".equals(status) || Tmux.EXITED_STATUS_UNKNOWN.equals(status), message + " (status " + status + ")");
    }
}
