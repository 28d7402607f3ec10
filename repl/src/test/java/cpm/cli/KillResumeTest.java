package cpm.cli;

import cpm.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training process killed with SIGKILL mid-run resumes with {@code --resume} and ends exactly where an
 * uninterrupted run ends: the same history.csv losses and the same final weights, bit for bit (CPU, one thread).
 */
class KillResumeTest {

    static final int STEPS = 16;

    @Test
    void sigkillMidRunThenResumeEqualsUninterrupted(@TempDir Path tmp) throws Exception {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(STEPS));
        Path killed = tmp.resolve("killed");
        Process p = startTraining(recipe, killed, tmp.resolve("child.log"));
        Path first = killed.resolve("checkpoints/step-00000004.ckpt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(first), "the child wrote its first checkpoint; log:\n" + log(tmp));
        assertTrue(p.isAlive(), "the child was still training when killed");
        p.destroyForcibly(); // SIGKILL on Unix
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        // whatever the kill interrupted, every checkpoint in place is complete (atomic rename)
        for (Path ck : list(killed.resolve("checkpoints"))) {
            if (ck.getFileName().toString().endsWith(".ckpt")) {
                Checkpoint.read(ck);
            }
        }
        long before = Long.parseLong(Checkpoint.read(new cpm.train.loop.RunFolder(killed).latestCheckpoint()).meta().get("step"));
        assertTrue(before < STEPS, "killed before the end (latest checkpoint at step " + before + ")");

        CliFixtures.Result resumed = CliFixtures.cpm("train", "--resume", "--out", killed.toString(), "--no-progress",
                "--no-silenced");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("resumed"), resumed.err());
        for (Path f : list(killed)) {
            assertTrue(!f.getFileName().toString().endsWith(".tmp"), "stale temporary file " + f);
        }

        Path straight = tmp.resolve("straight");
        CliFixtures.Result s = CliFixtures.cpm("train", recipe.toString(), "--out", straight.toString(), "--no-progress",
                "--no-silenced");
        assertEquals(0, s.code(), s.err());

        assertEquals(losses(straight), losses(killed), "history.csv without the seconds column");
        String last = String.format("checkpoints/step-%08d.ckpt", STEPS);
        Checkpoint a = Checkpoint.read(straight.resolve(last));
        Checkpoint b = Checkpoint.read(killed.resolve(last));
        int compared = 0;
        for (Map.Entry<String, Checkpoint.Tensor> e : a.tensors().entrySet()) {
            Checkpoint.Tensor t = b.tensors().get(e.getKey());
            assertArrayEquals(e.getValue().data(), t.data(), 0f, e.getKey());
            compared++;
        }
        assertEquals(a.tensors().size(), b.tensors().size());
        assertTrue(compared > 50, "weights, moments and CCDM state compared: " + compared);
        assertEquals(Files.readString(straight.resolve("eval-test.csv")), Files.readString(killed.resolve("eval-test.csv")));
    }

    static Process startTraining(Path recipe, Path out, Path logFile) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xmx1g");
        for (String prop : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "java.awt.headless")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add("-Dai.djl.offline=true");
        cmd.add("cpm.cli.Main");
        cmd.addAll(List.of("train", recipe.toString(), "--out", out.toString(), "--no-progress", "--no-silenced"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    }

    static String log(Path tmp) throws Exception {
        Path f = tmp.resolve("child.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** history.csv rows without the wall-clock column. */
    static List<String> losses(Path run) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("history.csv"))) {
            String[] c = line.split(",", -1);
            List<String> keep = new ArrayList<>(List.of(c));
            keep.remove(7); // seconds
            rows.add(String.join(",", keep));
        }
        return rows;
    }
}
