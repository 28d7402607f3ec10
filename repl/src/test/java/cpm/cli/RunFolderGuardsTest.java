package cpm.cli;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.train.Checkpoint;
import cpm.train.loop.RunFolder;
import cpm.train.loop.RunLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19, classes 4 and 5: a run folder is used by one training at a time ({@code RUN/.lock}), {@code eval} of
 * other data keeps the run's own scores, {@code --resume} refuses a recipe.json that no longer holds the
 * checkpoint's recipe, and a damaged newest checkpoint names the intact older one that {@code --from} continues
 * from. One 8-step training (checkpoints at steps 4 and 8) serves every test; each test works on a copy.
 */
class RunFolderGuardsTest {

    static final String PID = "pid " + ProcessHandle.current().pid();

    @TempDir
    static Path tmp;
    static Path run;
    static Path recipeFile;
    static CliFixtures.Result trained;

    @BeforeAll
    static void trainWithAStaleLockFile() throws IOException {
        run = Files.createDirectories(tmp.resolve("run"));
        // the lock file a killed training left: its OS lock died with it, so it holds nothing
        Files.writeString(run.resolve(".lock"), "pid 999999999\nstarted 2020-01-01 00:00:00 UTC\ncommand train\n");
        recipeFile = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(8));
        trained = CliFixtures.cpm("train", recipeFile.toString(), "--out", run.toString(), "--no-progress",
                "--no-silenced");
    }

    // ---------------------------------------------------------------- class 4: one process per run folder

    @Test
    void aRunFolderHeldByAnotherTrainingIsRefusedByTrainResumeEvalAndAblate() throws IOException {
        assertEquals(0, trained.code(), "a stale lock file does not stop a training: " + trained.err());
        Path copy = copyRun(tmp.resolve("held"));
        Map<Path, byte[]> before;
        try (RunLock held = new RunFolder(copy).lock("--out", "train")) {
            assertNotNull(held);
            before = contents(copy);
            List<String[]> commands = List.of(
                    new String[] {"train", recipeFile.toString(), "--out", copy.toString(), "--no-progress"},
                    new String[] {"train", "--resume", "--out", copy.toString(), "--no-progress"},
                    new String[] {"ablate", recipeFile.toString(), "--table", "4", "--out", copy.toString()},
                    new String[] {"eval", "--run", copy.toString()});
            for (String[] args : commands) {
                CliFixtures.Result r = CliFixtures.cpm(args);
                String what = String.join(" ", args) + ":\n" + r.err();
                assertEquals(2, r.code(), what);
                assertTrue(r.err().contains(copy + ": in use by another cpm process (" + PID + ", started "), what);
                assertTrue(r.err().contains(", expected a"), what);
                assertTrue(r.err().lines().count() == 1 && !r.err().contains("Exception"), what);
            }
            // refusals in this process must not drop its OS lock (on Linux closing any descriptor of a file does)
            assertTrue(osLockHeld(copy.resolve(".lock")), "/proc/locks still lists this process's lock");
        }
        assertEquals(keys(before), keys(contents(copy)), "no file added or removed");
        contents(copy).forEach((f, b) -> assertArrayEquals(before.get(f), b, f + " unchanged"));
        try (RunLock again = new RunFolder(copy).lock("--out", "train")) {
            assertNotNull(again, "released with its holder");
        }
    }

    @Test
    void aTrainingInAnotherProcessHoldsTheFolderUntilItDies() throws Exception {
        Path dir = tmp.resolve("child");
        Path longRecipe = CliFixtures.writeRecipe(tmp.resolve("long.json"), CliFixtures.quick(100_000)
                .with("run.checkpointInterval", 100_000)); // long, and light on the disk
        Process child = startTraining(longRecipe, dir, tmp.resolve("child.log"));
        try {
            String childPid = "pid " + child.pid();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!lockNames(dir, childPid) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(lockNames(dir, childPid), "the child recorded itself in .lock; log:\n" + log());
            CliFixtures.Result r = CliFixtures.cpm("train", recipeFile.toString(), "--out", dir.toString(),
                    "--no-progress");
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("in use by another cpm process (" + childPid + ", started ")
                    && r.err().contains("train)") && r.err().contains("expected a folder no other training writes"),
                    r.err());
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        try (RunLock free = new RunFolder(dir).lock("--out", "train")) {
            assertNotNull(free, "the operating system released the dead child's lock");
        }
    }

    @Test
    void evalOfOtherDataWritesItsOwnFileAndKeepsTheRunsScoresByteForByte() throws IOException {
        assertEquals(0, trained.code(), trained.err());
        Path copy = copyRun(tmp.resolve("other-data"));
        Path data = tmp.resolve("other data!");
        CliFixtures.Result s = CliFixtures.cpm("synth", "--out", data.toString(), "--train", "1", "--test", "2",
                "--size", "64", "--seed", "7");
        assertEquals(0, s.code(), s.err());
        byte[] own = Files.readAllBytes(copy.resolve("eval-test.csv"));
        byte[] ownPerClass = Files.readAllBytes(copy.resolve("eval-test-per-class.csv"));

        CliFixtures.Result e = CliFixtures.cpm("eval", "--run", copy.toString(), "--data", data.toString());
        assertEquals(0, e.code(), e.err());
        assertArrayEquals(own, Files.readAllBytes(copy.resolve("eval-test.csv")), "the run's own scores stay");
        assertArrayEquals(ownPerClass, Files.readAllBytes(copy.resolve("eval-test-per-class.csv")));
        Path other = copy.resolve("eval-test@other_data_.csv");
        assertTrue(e.out().contains("wrote " + other + " and eval-test-per-class@other_data_.csv"), e.out());
        List<String> lines = Files.readAllLines(other);
        assertEquals("split,protocol,miou,fbeta,images,coverage,silenced", lines.get(0));
        double printed = Double.parseDouble(e.out().lines().findFirst().orElseThrow().split("\\s+")[2]);
        assertTrue(lines.get(1).startsWith("test,")
                && Math.abs(Double.parseDouble(lines.get(1).split(",")[2]) - printed) < 1e-4,
                "the file holds the printed mIoU " + printed + ": " + lines);
        assertTrue(Files.exists(copy.resolve("eval-test-per-class@other_data_.csv")));
    }

    // ---------------------------------------------------------------- class 5: resume checks what it resumes

    @Test
    void resumeRefusesAnEditedOrInvalidRecipeJsonNamingTheFields() throws IOException {
        assertEquals(0, trained.code(), trained.err());
        Path copy = copyRun(tmp.resolve("edited"));
        Path json = copy.resolve("recipe.json");
        Recipe original = RecipeJson.fromJson(Files.readString(json), "recipe.json");
        Files.writeString(json, RecipeJson.toJson(original.with("optim.lr", 0.005).with("optim.batchSize", 4)));
        Map<String, byte[]> before = new LinkedHashMap<>();
        contents(copy).forEach((f, b) -> before.put(f.toString(), b));

        CliFixtures.Result r = CliFixtures.cpm("train", "--resume", "--out", copy.toString(), "--no-progress");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--resume " + copy + ": recipe.json differs from the recipe in step-00000008.ckpt"
                + " in 2 fields (checkpoint -> recipe.json)"), r.err());
        assertTrue(r.err().contains("optim.lr: " + original.optim().lr()) && r.err().contains("0.005"), r.err());
        assertTrue(r.err().contains("optim.batchSize: 2 -> 4"), r.err());
        assertTrue(r.err().contains("restore recipe.json") && r.err().contains("start a new run"), r.err());

        Files.writeString(json, "{\"name\": \"quick\", \"optim\": {\"lr\": 0.0001,");
        r = CliFixtures.cpm("train", "--resume", "--out", copy.toString(), "--no-progress");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("recipe.json is not a readable recipe") && r.err().contains("malformed JSON")
                && r.err().contains("step-00000008.ckpt"), r.err());

        Map<String, byte[]> after = new LinkedHashMap<>();
        contents(copy).forEach((f, b) -> after.put(f.toString(), b));
        after.remove(json.toString());
        before.remove(json.toString());
        assertEquals(before.keySet(), after.keySet(), "nothing written");
        before.forEach((f, b) -> assertArrayEquals(b, after.get(f), f));
    }

    @Test
    void aDamagedNewestCheckpointNamesTheIntactOlderOneAndFromResumesFromIt() throws IOException {
        assertEquals(0, trained.code(), trained.err());
        Path copy = copyRun(tmp.resolve("damaged"));
        Path newest = copy.resolve("checkpoints/step-00000008.ckpt");
        byte[] b = Files.readAllBytes(newest);
        Files.write(newest, Arrays.copyOf(b, b.length / 2));

        CliFixtures.Result r = CliFixtures.cpm("train", "--resume", "--out", copy.toString(), "--no-progress");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("step-00000008.ckpt: is truncated or corrupt") && r.err().contains(
                "intact older checkpoint: step-4; to continue from the newest: ./cpm train --resume --out " + copy
                + " --from step-4"), r.err());
        CliFixtures.Result e = CliFixtures.cpm("eval", "--run", copy.toString());
        assertEquals(2, e.code(), e.err());
        assertTrue(e.err().contains("./cpm eval --run " + copy + " --checkpoint step-4"), e.err());
        CliFixtures.Result wrong = CliFixtures.cpm("train", "--resume", "--out", copy.toString(), "--from", "step-7");
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("--from step-7: found no step-00000007.ckpt")
                && wrong.err().contains("expected one of: step-4, step-8"), wrong.err());
        CliFixtures.Result alone = CliFixtures.cpm("train", recipeFile.toString(), "--out", copy.toString(), "--from",
                "step-4");
        assertEquals(2, alone.code(), alone.err());
        assertTrue(alone.err().contains("--from step-4: found it without --resume"), alone.err());

        CliFixtures.Result ok = CliFixtures.cpm("train", "--resume", "--out", copy.toString(), "--from", "step-4",
                "--no-progress", "--no-silenced");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.err().contains("resumed " + copy + " at step 4 from step-00000004.ckpt"), ok.err());
        assertEquals("8", Checkpoint.read(newest).meta().get("step"), "the damaged checkpoint is written anew");
        assertArrayEquals(Files.readAllBytes(run.resolve("eval-test.csv")),
                Files.readAllBytes(copy.resolve("eval-test.csv")), "resuming from step 4 ends where the run ended");
    }

    // ---------------------------------------------------------------- helpers

    /** Whether /proc/locks lists a lock of this process on {@code file} (true where /proc/locks is missing). */
    static boolean osLockHeld(Path file) throws IOException {
        Path locks = Path.of("/proc/locks");
        if (!Files.isReadable(locks)) {
            return true;
        }
        String inode = ":" + Files.getAttribute(file, "unix:ino") + " ";
        String pid = " " + ProcessHandle.current().pid() + " ";
        return Files.readAllLines(locks).stream().anyMatch(l -> l.contains(pid) && l.contains(inode));
    }

    static boolean lockNames(Path dir, String pid) throws IOException {
        Path f = dir.resolve(".lock");
        return Files.exists(f) && Files.readString(f).startsWith(pid + "\n");
    }

    static Process startTraining(Path recipe, Path out, Path logFile) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx1g", "-Dai.djl.offline=true"));
        for (String prop : List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "java.awt.headless")) {
            if (System.getProperty(prop) != null) {
                cmd.add("-D" + prop + "=" + System.getProperty(prop));
            }
        }
        cmd.addAll(List.of("cpm.cli.Main", "train", recipe.toString(), "--out", out.toString(), "--no-progress"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    }

    static String log() throws IOException {
        Path f = tmp.resolve("child.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    static Path copyRun(Path to) throws IOException {
        return CliFixtures.copyTree(run, to);
    }

    /**
     * Every regular file under {@code dir} and its bytes, but .lock: reading it in the process that holds the lock
     * would drop the lock (closing any descriptor of a file drops the process's POSIX locks on it).
     */
    static Map<Path, byte[]> contents(Path dir) throws IOException {
        Map<Path, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(f -> Files.isRegularFile(f) && !f.endsWith(".lock")).sorted().toList()) {
                m.put(f, Files.readAllBytes(f));
            }
        }
        return m;
    }

    static List<Path> keys(Map<Path, byte[]> m) {
        return new ArrayList<>(m.keySet());
    }
}
