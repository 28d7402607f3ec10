package cpm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Devices from the user's side (issue 16), on a machine without a GPU: run.device's forms and what a GPU request
 * says when no GPU is visible, a bf16 training step through the CLI, and the launcher's --gpu/CPM_LIBTORCH
 * checks of a libtorch folder (they run before Java starts, so fake folders exercise them).
 */
class DevicesCliTest {

    @TempDir
    Path tmp;

    @Test
    void runDeviceFormsAndNoVisibleGpu() {
        CliFixtures.Result bad = CliFixtures.cpm("train", "tiny", "--set", "run.device=gpu:x", "--steps", "1",
                "--out", tmp.resolve("bad").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("run.device") && bad.err().contains("gpu:x")
                && bad.err().contains("auto, cpu, gpu or gpu:N"), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace: " + bad.err());

        CliFixtures.Result gpu = CliFixtures.cpm("train", "tiny", "--set", "run.device=gpu:1", "--steps", "1",
                "--no-progress", "--out", tmp.resolve("gpu").toString());
        assertEquals(2, gpu.code(), gpu.err());
        assertTrue(gpu.err().contains("run.device: found gpu:1, expected cpu or auto (no GPU is visible")
                && gpu.err().contains("./cpm --gpu"), gpu.err());

    }

    @Test
    void bf16TrainingRunsThroughTheCli() throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("bf16.json"),
                CliFixtures.quick(2).with(Map.of("run.precision", "bf16")));
        Path out = tmp.resolve("bf16");
        CliFixtures.Result r = CliFixtures.cpm("train", recipe.toString(), "--out", out.toString(), "--no-progress",
                "--no-silenced");
        assertEquals(0, r.code(), r.err());
        String history = Files.readString(out.resolve("history.csv"));
        assertTrue(history.lines().count() >= 2, history);
        assertTrue(Files.readString(out.resolve("recipe.json")).contains("bf16"), "the run records its precision");
    }

    /** Runs the launcher with {@code args}; returns exit code and stderr. */
    private static CliFixtures.Result launcher(Map<String, String> env, String... args) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("cpm").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("CPM_LIBTORCH");
        pb.environment().putAll(env);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new CliFixtures.Result(p.waitFor(), "", err);
    }

    private static void touch(Path dir, String... names) throws IOException {
        Files.createDirectories(dir);
        for (String n : names) {
            Files.writeString(dir.resolve(n), "");
        }
    }

    @Test
    void launcherChecksTheLibtorchItIsGiven() throws Exception {
        CliFixtures.Result none = launcher(Map.of(), "--gpu", "train", "tiny");
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("--gpu needs a libtorch") && none.err().contains("CPM_LIBTORCH"), none.err());

        Path missing = tmp.resolve("nowhere");
        CliFixtures.Result absent = launcher(Map.of("CPM_LIBTORCH", missing.toString()), "train", "tiny");
        assertEquals(2, absent.code(), absent.err());
        assertTrue(absent.err().contains(missing + ": not found"), absent.err());

        Path cpu = tmp.resolve("cpu/libtorch");
        touch(cpu.resolve("lib"), "libtorch.so", "libc10.so");
        CliFixtures.Result cpuOnly = launcher(Map.of(), "--libtorch", cpu.toString(), "train", "tiny");
        assertEquals(2, cpuOnly.code(), cpuOnly.err());
        assertTrue(cpuOnly.err().contains("found no libtorch_cuda.so, expected a CUDA build"), cpuOnly.err());

        Path old = tmp.resolve("old/libtorch");
        touch(old.resolve("lib"), "libtorch.so", "libtorch_cuda.so", "libc10_cuda.so");
        Files.writeString(old.resolve("build-version"), "2.5.1+cu124\n");
        CliFixtures.Result wrong = launcher(Map.of(), "--gpu", "--libtorch", old.resolve("lib").toString(), "train");
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("is 2.5.1+cu124, expected 2.7.1"), wrong.err());

        Path pip = tmp.resolve("site/torch");
        touch(pip.resolve("lib"), "libtorch.so", "libtorch_cuda.so", "libc10_cuda.so");
        CliFixtures.Result unversioned = launcher(Map.of(), "--libtorch", pip.resolve("lib").toString(), "train");
        assertEquals(2, unversioned.code(), unversioned.err());
        assertTrue(unversioned.err().contains("found no build-version or version.py"), unversioned.err());
    }
}
