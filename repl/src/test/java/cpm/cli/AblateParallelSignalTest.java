package cpm.cli;

import cpm.train.Checkpoint;
import cpm.train.loop.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SIGTERM on {@code ./cpm ablate --parallel 2} stops both running trainings, not only one: each saves a checkpoint of
 * the step it reached and is named with its resume command, the command exits 143 and writes no table.
 */
class AblateParallelSignalTest {

    @Test
    void sigtermStopsEveryRunningRunWithACheckpoint(@TempDir Path tmp) throws Exception {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(12));
        Path out = tmp.resolve("ablation");
        Path logFile = tmp.resolve("ablate.log");
        // one row, two seeds: two runs of the same speed, both mid-run when signalled
        Process p = ChildCpm.start("1500m", logFile, "ablate", recipe.toString(), "--table", "4", "--rows", "cpm",
                "--seeds", "2", "--seed", "1", "--threads", "1", "--parallel", "2", "--no-progress",
                "--out", out.toString());
        List<Path> runs = List.of(out.resolve("cpm-seed1"), out.resolve("cpm-seed2"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!runs.stream().allMatch(r -> Files.exists(r.resolve("checkpoints/step-00000004.ckpt")))
                && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive(), "training when signalled; log:\n" + SignalStopTest.read(logFile));
        p.destroy(); // SIGTERM
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String log = SignalStopTest.read(logFile);
        assertTrue(ended, "ended after the signal; log:\n" + log);
        assertEquals(143, p.exitValue(), log);
        assertTrue(log.contains("cpm: SIGTERM: stopping 2 runs after this step"), log);
        for (Path run : runs) {
            Matcher m = Pattern.compile("stopped at step (\\d+) \\(SIGTERM\\); checkpoint saved: (\\S+); resume with: "
                    + "\\./cpm train --resume --out " + Pattern.quote(run.toString()) + "\\n").matcher(log);
            assertTrue(m.find(), run + ": " + log);
            long step = Long.parseLong(m.group(1));
            assertTrue(step >= 4 && step < 12, run + " stopped mid-run at step " + step);
            Path ck = Path.of(m.group(2));
            assertEquals(new RunFolder(run).latestCheckpoint(), ck);
            assertEquals(Long.toString(step), Checkpoint.read(ck).meta().get("step"));
            assertFalse(Files.exists(run.resolve("eval-test.csv")), "no final evaluation");
        }
        assertFalse(Files.exists(out.resolve("ablation-table4.csv")), "no table from stopped runs");
        assertFalse(log.contains("Exception"), log);
    }
}
