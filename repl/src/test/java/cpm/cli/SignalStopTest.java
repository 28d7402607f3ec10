package cpm.cli;

import cpm.train.Checkpoint;
import cpm.train.loop.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SIGINT (Ctrl-C) and SIGTERM on {@code ./cpm train} lose no work (issue 19, class 2): the child process stops at
 * the next step boundary, saves a checkpoint of the step reached, says where it stopped and how to resume, and exits
 * with 130 / 143; {@code --resume} then ends exactly where an uninterrupted run ends (history.csv without the clock,
 * every tensor of the final checkpoint, the test scores).
 */
class SignalStopTest {

    static final int STEPS = 10;

    /** What a stopped child left: its exit status, log, run folder and the step it stopped at. */
    record Stopped(int status, String log, Path dir, long step) {
    }

    @Test
    void sigintSavesTheStepReachedAndResumesToTheUninterruptedResult(@TempDir Path tmp) throws Exception {
        assumeTrue(sigintReachesChildren(), "SIGINT is ignored in this environment, and so in its children");
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(STEPS));
        Stopped s = stopAfterFirstCheckpoint(recipe, tmp.resolve("int"), p -> {
            try {
                assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(130, s.status(), s.log());
        assertTrue(s.log().contains("cpm: SIGINT: stopping after this step to save a checkpoint (Ctrl-C again quits"
                + " at once"), s.log());

        CliFixtures.Result resumed = CliFixtures.cpm("train", "--resume", "--out", s.dir().toString(), "--no-progress",
                "--no-silenced");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("resumed " + s.dir() + " at step " + s.step()), resumed.err());

        Path straight = tmp.resolve("straight");
        CliFixtures.Result u = CliFixtures.cpm("train", recipe.toString(), "--out", straight.toString(), "--no-progress",
                "--no-silenced");
        assertEquals(0, u.code(), u.err());
        assertEquals(KillResumeTest.losses(straight), KillResumeTest.losses(s.dir()), "history.csv without seconds");
        String last = String.format("checkpoints/step-%08d.ckpt", STEPS);
        Checkpoint a = Checkpoint.read(straight.resolve(last));
        Checkpoint b = Checkpoint.read(s.dir().resolve(last));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (Map.Entry<String, Checkpoint.Tensor> e : a.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data(), b.tensors().get(e.getKey()).data(), 0f, e.getKey());
        }
        assertEquals(Files.readString(straight.resolve("eval-test.csv")), Files.readString(s.dir().resolve("eval-test.csv")));
    }

    @Test
    void sigtermSavesTheStepReachedAndExits143(@TempDir Path tmp) throws Exception {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(STEPS));
        Stopped s = stopAfterFirstCheckpoint(recipe, tmp.resolve("term"), Process::destroy); // SIGTERM on Unix
        assertEquals(143, s.status(), s.log());
        assertTrue(s.log().contains("cpm: SIGTERM: stopping after this step"), s.log());
    }

    /**
     * Starts {@code train} in a child JVM, signals it once its first checkpoint (step 4) is written, and checks what
     * every stop must leave: the line saying where it stopped, which checkpoint holds that step (complete, of that
     * step) and the resume command; history.csv; no final evaluation or pictures (the run did not end).
     */
    static Stopped stopAfterFirstCheckpoint(Path recipe, Path out, Consumer<Process> signal) throws Exception {
        Path logFile = out.resolveSibling(out.getFileName() + ".log");
        Process p = KillResumeTest.startTraining(recipe, out, logFile);
        Path first = out.resolve("checkpoints/step-00000004.ckpt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(first) && p.isAlive(), "training when signalled; log:\n" + read(logFile));
        signal.accept(p);
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String log = read(logFile);
        assertTrue(ended, "ended after the signal; log:\n" + log);
        Matcher m = Pattern.compile("stopped at step (\\d+) \\((SIGINT|SIGTERM)\\); checkpoint saved: (\\S+); resume "
                + "with: \\./cpm train --resume --out (\\S+)\\n").matcher(log);
        assertTrue(m.find(), log);
        long step = Long.parseLong(m.group(1));
        Path ck = Path.of(m.group(3));
        assertEquals(out.resolve(String.format("checkpoints/step-%08d.ckpt", step)), ck);
        assertEquals(out.toString(), m.group(4));
        assertTrue(step >= 4 && step < STEPS, "stopped mid-run at step " + step);
        assertEquals(ck, new RunFolder(out).latestCheckpoint());
        assertEquals(Long.toString(step), Checkpoint.read(ck).meta().get("step"));
        assertTrue(Files.exists(out.resolve("history.csv")));
        assertFalse(Files.exists(out.resolve("eval-test.csv")), "no final evaluation");
        assertFalse(log.contains("Exception"), log);
        return new Stopped(p.exitValue(), log, out, step);
    }

    /** Whether this JVM handles SIGINT (not started with it ignored, as under nohup or in some CI shells). */
    static boolean sigintReachesChildren() {
        Signal sig = new Signal("INT");
        SignalHandler old = Signal.handle(sig, s -> { });
        Signal.handle(sig, old);
        return old != SignalHandler.SIG_IGN;
    }

    static String read(Path f) throws Exception {
        return Files.exists(f) ? Files.readString(f) : "";
    }
}
