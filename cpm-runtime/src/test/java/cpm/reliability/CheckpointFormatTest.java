package cpm.reliability;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import cpm.train.Checkpoint;
import cpm.train.loop.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint written by a training run, decoded by hand following the layout documented in docs/reliability.md
 * (not with {@link Checkpoint#read}): magic, version, JSON metadata, CRC32 per tensor, SHA-256 at the end, and the
 * content a resume needs (model, optimiser, GMM, memory bank, data position, step, history, STS window).
 */
class CheckpointFormatTest {

    @Test
    void layoutAndContentAreAsDocumented(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        try (TrainRun run = TrainRun.create(QuickRecipes.quick(2), dir, ExactResumeTest.QUIET)) {
            run.train(2, false);
        }
        byte[] all = Files.readAllBytes(dir.resolve("checkpoints/step-00000002.ckpt"));
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(all, all.length - 32));
        assertArrayEquals(sha, Arrays.copyOfRange(all, all.length - 32, all.length), "SHA-256 trailer");
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 32));
        byte[] magic = new byte[8];
        in.readFully(magic);
        assertEquals("CPMCKPT\n", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(Checkpoint.VERSION, in.readInt());
        byte[] metaBytes = new byte[in.readInt()];
        in.readFully(metaBytes);
        Map<String, String> meta = new ObjectMapper().readValue(metaBytes, new TypeReference<Map<String, String>>() { });
        for (String key : List.of("step", "adamSteps", "dataPosition", "recipe", "history", "classes", "stsWindow")) {
            assertTrue(meta.containsKey(key), "metadata " + key + " in " + meta.keySet());
        }
        assertEquals("2", meta.get("step"));
        assertEquals("2", meta.get("adamSteps"));
        assertEquals("4", meta.get("dataPosition"), "2 steps of batch 2");
        int count = in.readInt();
        Set<String> groups = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[in.readShort()];
            in.readFully(name);
            int rank = in.readInt();
            long n = 1;
            for (int d = 0; d < rank; d++) {
                n *= in.readLong();
            }
            assertEquals(n, in.readInt());
            byte[] raw = new byte[(int) n * 4];
            in.readFully(raw);
            CRC32 crc = new CRC32();
            crc.update(raw);
            assertEquals((int) crc.getValue(), in.readInt(), "CRC32 of " + new String(name, StandardCharsets.UTF_8));
            String key = new String(name, StandardCharsets.UTF_8);
            groups.add(key.startsWith("ccdm/") ? key.substring(0, key.indexOf('.') > 0 ? key.indexOf('.') + 1
                    : key.length()) : key.substring(0, key.startsWith("adam/") ? 7 : 2));
        }
        assertEquals(0, in.available(), "nothing between the last tensor and the SHA-256");
        assertEquals(Set.of("w/", "adam/m/", "adam/v/", "ccdm/gmm.", "ccdm/bank.", "ccdm/observed",
                "ccdm/noObjectFraction"), groups);
    }
}
