package cpm.cli;

import cpm.data.SynthWriter;
import cpm.dsl.Recipe;
import cpm.train.Checkpoint;
import cpm.train.loop.RunFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure on the data loader's thread ends training within seconds, with a message and an exit status, never a
 * hang (issue 19, class 1): a WAV whose header claims an absurd sample rate (which used to exhaust the heap on the
 * data thread and leave {@code train} waiting forever) is refused by {@code data check} and by {@code train} with
 * exit 2 naming the file, as is a PNG whose header claims 100,000 x 100,000 pixels; files broken while training runs stop it with exit 2 after a rescue checkpoint; an
 * {@link OutOfMemoryError} on the data thread (a real one: a long recording and a small heap) ends {@code train}
 * with exit 1 and a message naming the data set and the error.
 */
class LoaderFailureTest {

    static Path root;
    static Path data; // a good on-disk data set (AVSS layout): 3 training clips of 5 frames, 1 test clip

    @BeforeAll
    static void fixtures() throws IOException {
        root = Files.createTempDirectory("cpm-loader");
        data = SynthWriter.write(root.resolve("data"), "semantic", 3, 1, 5, 64, 5);
    }

    @AfterAll
    static void cleanup() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void absurdHeadersAreRefusedByDataCheckAndTraining() throws Exception {
        Path d = copy(data, root.resolve("absurd"));
        Path wav = wavs(d, "train").get(1);
        setSampleRate(wav, 1); // 1 Hz: resampling to 16 kHz would ask for 16000 floats per stored sample
        Path frame = wavs(d, "test").get(0).resolveSibling("frames/1.png");
        setPngSize(frame, 100_000, 100_000); // decoding would allocate 30 GB
        CliFixtures.Result check = CliFixtures.cpm("data", "check", d.toString(), "--kind", "avss");
        String all = check.out() + check.err();
        assertEquals(2, check.code(), all);
        assertTrue(all.contains(wav + ": found sample rate 1 Hz"), all);
        assertTrue(all.contains(frame + ": found an image of 100000x100000 pixels, expected at most 16384 pixels a "
                + "side and 40 megapixels"), all);
        assertClean(all);

        CliFixtures.Result r = assertTimeoutPreemptively(Duration.ofSeconds(90),
                () -> CliFixtures.cpm(train(d, root.resolve("absurd-run"), 8)));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("cpm: " + wav + ": found sample rate 1 Hz in the fmt chunk, expected a sample "
                + "rate between 1,000 and 1,000,000 Hz"), r.err());
        assertClean(r.out() + r.err());
    }

    @Test
    void filesBrokenMidRunStopTrainingWithARescueCheckpoint() throws Exception {
        Path d = copy(data, root.resolve("midrun"));
        Path out = root.resolve("midrun-run");
        // no periodic checkpoint: whatever step the failure comes at, only the rescue checkpoint can hold it
        String[] args = train(d, out, 40, 0);
        CompletableFuture<CliFixtures.Result> run = CompletableFuture.supplyAsync(() -> CliFixtures.cpm(args));
        Path history = out.resolve("history.csv"); // written at step 2 (run.logInterval)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(history) && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(history), "training started");
        for (Path wav : wavs(d, "train")) {
            setSampleRate(wav, 1);
        }
        CliFixtures.Result r = run.get(90, TimeUnit.SECONDS);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().matches("(?s).*cpm: \\S+audio\\.wav: found sample rate 1 Hz.*"), r.err());
        Path rescue = new RunFolder(out).latestCheckpoint();
        assertTrue(rescue != null, "the steps done are kept in a rescue checkpoint; " + r.err());
        long step = RunFolder.checkpointStep(rescue);
        assertTrue(step >= 2 && step < 40, rescue.toString());
        assertTrue(r.err().contains("saved " + rescue.getFileName() + " before stopping on: "), r.err());
        assertEquals(Long.toString(step), Checkpoint.read(rescue).meta().get("step"));
        assertClean(r.out() + r.err());
    }

    /**
     * An {@link OutOfMemoryError} on the data thread: a valid WAV of 256 MiB (2.3 hours of silence, a sparse file)
     * read in a JVM with a 192 MiB heap. Before, the thread died with a stack trace and the process waited forever.
     */
    @Test
    void outOfMemoryOnTheDataThreadEndsTrainingWithExitOne() throws Exception {
        Path d = copy(data, root.resolve("oom"));
        writeSilentWav(wavs(d, "train").get(2), 256 << 20);
        Path log = root.resolve("oom.log");
        Process p = ChildCpm.start("192m", log, train(d, root.resolve("oom-run"), 8));
        boolean ended = p.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String text = Files.readString(log);
        assertTrue(ended, "train ended by itself; log:\n" + text);
        assertEquals(1, p.exitValue(), text);
        assertTrue(text.contains("cpm: DataLoaderException: the data thread failed while preparing the batch with "
                + "item"), text);
        assertTrue(text.contains("OutOfMemoryError") && text.contains("CPM_JAVA_OPTS=-Xmx"), text);
        assertClean(text);
    }

    static String[] train(Path d, Path out, int steps) throws IOException {
        return train(d, out, steps, 4);
    }

    static String[] train(Path d, Path out, int steps, int checkpointInterval) throws IOException {
        Recipe r = CliFixtures.quick(steps).with(java.util.Map.of("data.kind", "avss", "data.path", d.toString(),
                "run.checkpointInterval", checkpointInterval));
        Path rf = CliFixtures.writeRecipe(out.resolveSibling(out.getFileName() + ".json"), r);
        return new String[] {"train", rf.toString(), "--out", out.toString(), "--no-progress", "--no-silenced"};
    }

    /** No stack trace, no thread dying with its own trace. */
    static void assertClean(String text) {
        assertFalse(text.contains("Exception in thread"), text);
        assertFalse(text.matches("(?s).*\\n\\s+at [\\w$.]+\\(.*"), text);
    }

    /** The audio files of a split's clips, in metadata order. */
    static List<Path> wavs(Path d, String split) throws IOException {
        List<Path> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(d.resolve("metadata.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",");
            if (c[1].equals(split)) {
                out.add(d.resolve(c[2]).resolve(c[0]).resolve("audio.wav"));
            }
        }
        return out;
    }

    /** Rewrites the sample rate of a canonical 44-byte-header WAV (fmt chunk at byte 12, rate at byte 24). */
    static void setSampleRate(Path wav, int rate) throws IOException {
        byte[] b = Files.readAllBytes(wav);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(24, rate);
        Files.write(wav, b);
    }

    /** Rewrites the width and height in a PNG's IHDR chunk (and its CRC), leaving the pixels as they are. */
    static void setPngSize(Path png, int w, int h) throws IOException {
        byte[] b = Files.readAllBytes(png);
        ByteBuffer bb = ByteBuffer.wrap(b); // big-endian: signature (8), length (4), "IHDR", width, height, ...
        bb.putInt(16, w).putInt(20, h);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 12, 17); // type and the 13 bytes of the chunk's body
        bb.putInt(29, (int) crc.getValue());
        Files.write(png, b);
    }

    /** A 16-bit mono 16 kHz WAV of {@code bytes} bytes of silence, sparse on disk (only the header is written). */
    static void writeSilentWav(Path wav, int bytes) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt(bytes - 8).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(16000).putInt(32000).putShort((short) 2)
                .putShort((short) 16).put("data".getBytes()).putInt(bytes - 44);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(wav.toFile(), "rw")) {
            f.setLength(0);
            f.write(h.array());
            f.setLength(bytes);
        }
    }

    static Path copy(Path from, Path to) throws IOException {
        return CliFixtures.copyTree(from, to);
    }
}
