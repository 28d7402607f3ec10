package cpm.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import cpm.io.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The checkpoint file format (docs/reliability.md): a versioned, checksummed container of named float32
 * tensors plus a JSON map of metadata (step, recipe, data position, generator states). Hand-written because
 * it must be exact, self-describing and never Java serialization; DJL's NDList encoding has no checksums or
 * metadata.
 *
 * <pre>
 * "CPMCKPT\n"  int version  int metaLength  meta(UTF-8 JSON)  int count
 * count x { short nameLength  name(UTF-8)  int rank  long[rank] dims  int n  float32[n] little-endian  int crc32 }
 * byte[32] SHA-256 of everything before it
 * </pre>
 */
public final class Checkpoint {

    public static final int VERSION = 1;
    private static final byte[] MAGIC = "CPMCKPT\n".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One named tensor. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                        + " values, not " + data.length);
            }
        }
    }

    /** A file that is not a readable checkpoint: names the file and what is wrong. */
    public static final class CheckpointException extends RuntimeException {
        public CheckpointException(Path file, String problem) {
            super("checkpoint " + file + ": " + problem);
        }

        private CheckpointException(String message, Throwable cause) {
            super(message, cause);
        }

        /** The same problem with what the reader can do about it appended (e.g. the intact older checkpoints). */
        public CheckpointException withAdvice(String advice) {
            return new CheckpointException(getMessage() + advice, this);
        }
    }

    private final Map<String, String> meta;
    private final Map<String, Tensor> tensors;

    public Checkpoint(Map<String, String> meta, Map<String, Tensor> tensors) {
        this.meta = new TreeMap<>(meta);
        this.tensors = new LinkedHashMap<>(tensors);
    }

    public Map<String, String> meta() {
        return meta;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Tensor tensor(Path file, String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(file, "has no tensor " + name + ", expected one (from another recipe?)");
        }
        return t;
    }

    /** Writes atomically: the previous file at {@code file} stays until the new one is complete. */
    public void write(Path file) {
        AtomicFiles.write(file, out -> out.write(encode()));
    }

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        byte[] m = JSON.writeValueAsBytes(meta);
        out.writeInt(m.length);
        out.write(m);
        out.writeInt(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            out.writeShort(name.length);
            out.write(name);
            long[] shape = e.getValue().shape();
            out.writeInt(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
            float[] data = e.getValue().data();
            out.writeInt(data.length);
            ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(data);
            out.write(buf.array());
            CRC32 crc = new CRC32();
            crc.update(buf.array());
            out.writeInt((int) crc.getValue());
        }
        out.flush();
        byte[] body = bytes.toByteArray();
        bytes.write(sha256(body, body.length));
        return bytes.toByteArray();
    }

    /** Reads and verifies a checkpoint; any problem is a {@link CheckpointException} naming the file. */
    public static Checkpoint read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + e.getMessage() + "), expected a readable file");
        }
        if (all.length < MAGIC.length + 4 + 32 || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new CheckpointException(file, "is not a cpm checkpoint (found " + all.length
                    + " bytes without the CPMCKPT header), expected a file written by cpm train");
        }
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version > VERSION) {
            throw new CheckpointException(file, "has format version " + version + ", expected at most " + VERSION
                    + " (written by a newer toolkit)");
        }
        byte[] expected = Arrays.copyOfRange(all, all.length - 32, all.length);
        if (!Arrays.equals(expected, sha256(all, all.length - 32))) {
            throw new CheckpointException(file, "is truncated or corrupt: found a SHA-256 mismatch over "
                    + (all.length - 32) + " bytes, expected the checksum stored at its end");
        }
        try {
            int metaLen = in.getInt();
            byte[] m = new byte[metaLen];
            in.get(m);
            Map<String, String> meta = JSON.readValue(m, new TypeReference<Map<String, String>>() { });
            int count = in.getInt();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[in.getShort()];
                in.get(name);
                long[] shape = new long[in.getInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.getLong();
                }
                int n = in.getInt();
                byte[] raw = new byte[n * 4];
                in.get(raw);
                CRC32 crc = new CRC32();
                crc.update(raw);
                String key = new String(name, StandardCharsets.UTF_8);
                if ((int) crc.getValue() != in.getInt()) {
                    throw new CheckpointException(file, "tensor " + key + " fails its CRC32 check, expected the stored CRC32 (corrupt file)");
                }
                float[] data = new float[n];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
                tensors.put(key, new Tensor(shape, data));
            }
            return new Checkpoint(meta, tensors);
        } catch (java.nio.BufferUnderflowException | IOException | IllegalArgumentException e) {
            throw new CheckpointException(file, "is malformed (" + e.getMessage() + "), expected the layout of format version " + VERSION);
        }
    }

    private static byte[] sha256(byte[] data, int len) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(data, 0, len);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
