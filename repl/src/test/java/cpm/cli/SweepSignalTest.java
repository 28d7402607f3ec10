package cpm.cli;

import cpm.train.loop.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Ctrl-C (SIGINT) on {@code ./cpm sweep} stops the run in progress at its next step with a checkpoint, names it with
 * its resume command, starts no further run, writes no table and exits 130.
 */
class SweepSignalTest {

    @Test
    void sigintStopsTheRunningRunAndStartsNoMore(@TempDir Path tmp) throws Exception {
        assumeTrue(SignalStopTest.sigintReachesChildren(), "SIGINT is ignored in this environment, and so in its children");
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(12));
        Path out = tmp.resolve("sweep");
        Path logFile = tmp.resolve("sweep.log");
        Process p = ChildCpm.start("1500m", logFile, "sweep", recipe.toString(), "--set",
                "classifier.components=1,2", "--threads", "1", "--no-progress", "--out", out.toString());
        Path first = out.resolve("components-1-seed42");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(first.resolve("checkpoints/step-00000004.ckpt")) && p.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive(), "training when signalled; log:\n" + SignalStopTest.read(logFile));
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String log = SignalStopTest.read(logFile);
        assertTrue(ended, "ended after the signal; log:\n" + log);
        assertEquals(130, p.exitValue(), log);
        Matcher m = Pattern.compile("stopped at step (\\d+) \\(SIGINT\\); checkpoint saved: (\\S+); resume with: "
                + "\\./cpm train --resume --out " + Pattern.quote(first.toString()) + "\\n").matcher(log);
        assertTrue(m.find(), log);
        long step = Long.parseLong(m.group(1));
        assertTrue(step >= 4 && step < 12, "stopped mid-run at step " + step);
        assertEquals(new RunFolder(first).latestCheckpoint(), Path.of(m.group(2)));
        assertFalse(Files.exists(out.resolve("components-2-seed42")), "no further run started");
        assertFalse(Files.exists(out.resolve("sweep.csv")), "no table from a stopped sweep");
        assertFalse(log.contains("Exception"), log);
    }
}
