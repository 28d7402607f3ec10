package cpm.reliability;

import cpm.io.AtomicFiles;
import cpm.train.History;
import cpm.train.SessionCheckpoint;
import cpm.train.loop.TrainRun;
import cpm.train.TrainingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every write is all or nothing; a run that cannot fit on its disk fails before training. */
class AtomicWritesTest {

    @Test
    void aWriterThatFailsHalfwayLeavesTheOldFileAndNoTemporary(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("history.csv");
        AtomicFiles.writeString(target, "old content\n");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("new half".getBytes());
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("No space left"),
                e.getMessage());
        assertEquals("old content\n", Files.readString(target));
        assertEquals(List.of(target), list(tmp), "no temporary file is left");
        AtomicFiles.writeString(target, "new content\n");
        assertEquals("new content\n", Files.readString(target));
        assertEquals(List.of(target), list(tmp));
    }

    @Test
    void spaceNeededIsKnownBeforeTrainingAndMatchesARealCheckpoint(@TempDir Path tmp) throws IOException {
        try (TrainingSession s = new TrainingSession(QuickRecipes.quick(8))) {
            Path ck = tmp.resolve("step-00000000.ckpt");
            SessionCheckpoint.save(s, new History(), ck);
            long size = Files.size(ck);
            long perCheckpoint = TrainRun.requiredBytes(s, 0) - (16L << 20);
            assertTrue(size <= perCheckpoint && size >= perCheckpoint - (1 << 20),
                    "estimate " + perCheckpoint + " for a file of " + size + " bytes");
            // 8 steps at run.checkpointInterval 4: checkpoints at 4 and 8 (and one more allowed for a stop)
            assertEquals(3 * perCheckpoint + (16L << 20), TrainRun.requiredBytes(s, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainRun.checkSpace(tmp, TrainRun.requiredBytes(s, 8), 5L << 20));
            assertTrue(e.getMessage().contains(tmp.toString()) && e.getMessage().contains("found 5 MiB free")
                    && e.getMessage().contains("expected at least"), e.getMessage());
            TrainRun.checkSpace(tmp, TrainRun.requiredBytes(s, 8), TrainRun.requiredBytes(s, 8));
        }
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
