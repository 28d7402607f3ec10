package cpm.nn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The header of a .safetensors file, checked before any tensor is read: an 8-byte little-endian header length, a
 * JSON object (Jackson, already on the class path) of {@code name -> {dtype, shape, data_offsets}} and an optional
 * {@code __metadata__}, then the raw little-endian tensor bytes. Each rule gives one message naming the file, the
 * tensor, what was found and what was expected.
 *
 * <p>Hand-written rather than DJL's {@code NDList.decode}, which reads safetensors too: on DJL 0.36 / libtorch
 * 2.7.1 (CPU) that reader aborts the whole JVM on a BF16 tensor (libtorch's "terminate called" when an array is
 * created from a BF16 buffer; checked), and it checks neither the header length against the file, nor the offsets
 * against the data, nor the byte counts against the shapes (a damaged file is "Malformed data" or an index
 * exception naming neither file nor tensor). {@link TensorFile} widens the tensors to float32 itself.
 */
public final class SafetensorsHeader {

    /** Element sizes of the dtypes read ({@link TensorFile} widens each to float32). */
    private static final Map<String, Integer> BYTES = Map.of("F64", 8, "F32", 4, "F16", 2, "BF16", 2, "I64", 8,
            "I32", 4, "I8", 1, "U8", 1, "BOOL", 1);
    private static final List<String> DTYPES = List.of("F32", "F16", "BF16", "F64", "I64", "I32", "I8", "U8", "BOOL");
    /** Bytes of one tensor at most: it is read into one Java array. */
    static final long MAX_TENSOR = Integer.MAX_VALUE - 8;

    /** One tensor's entry: its bytes are {@code [begin, end)} of the data that follows the header. */
    public record Tensor(String name, String dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public String shapeText() {
            return TensorFile.shapeText(shape);
        }
    }

    private final long headerLength;
    private final List<Tensor> tensors;

    private SafetensorsHeader(long headerLength, List<Tensor> tensors) {
        this.headerLength = headerLength;
        this.tensors = tensors;
    }

    /** Bytes of the JSON header (after the 8-byte length). */
    public long headerLength() {
        return headerLength;
    }

    /** The tensors, in the header's order. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /**
     * Checks a header. {@code head} holds the file's first bytes (at least 8 + the header length when the file has
     * them), {@code fileSize} the file's size.
     */
    public static SafetensorsHeader parse(Path file, byte[] head, long fileSize) {
        if (fileSize < 8) {
            throw bad(file, "found " + fileSize + " bytes, expected at least 8 (the header length, then the JSON "
                    + "header and the tensors)");
        }
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2) {
            throw bad(file, "found a header length of " + n + " bytes in the first 8 bytes, expected at least 2 "
                    + "(a JSON object)");
        }
        if (n > fileSize - 8) {
            throw bad(file, "truncated header: the first 8 bytes give a header length of " + Long.toUnsignedString(n)
                    + " bytes, found only " + (fileSize - 8) + " bytes after them, expected at least "
                    + Long.toUnsignedString(n) + " (a file cut short, or not safetensors)");
        }
        if (head.length < 8 + n) {
            throw new IllegalStateException("caller read " + head.length + " bytes, header needs " + (8 + n));
        }
        if (head[8] != '{') {
            throw bad(file, "found a header starting with byte " + (head[8] & 0xff) + ", expected a JSON object ('{')");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new String(head, 8, (int) n, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage().replaceAll("(?s)\\s*\\(start marker.*|\\s*at \\[Source.*", "");
            throw bad(file, "found a header that is not valid JSON (" + why + " at header byte "
                    + e.getLocation().getCharOffset() + "), expected an object of name -> {dtype, shape, data_offsets}");
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "found a header that is not a JSON object, expected name -> {dtype, shape, data_offsets}");
        }
        long dataSize = fileSize - 8 - n;
        List<Tensor> tensors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                tensors.add(tensor(file, e.getKey(), e.getValue(), dataSize));
            }
        }
        return new SafetensorsHeader(n, List.copyOf(tensors));
    }

    private static Tensor tensor(Path file, String name, JsonNode t, long dataSize) {
        String where = "tensor \"" + name + "\": ";
        JsonNode dtype = t.get("dtype");
        JsonNode shape = t.get("shape");
        JsonNode offsets = t.get("data_offsets");
        if (!t.isObject() || dtype == null || !dtype.isTextual() || shape == null || !shape.isArray()
                || offsets == null || !offsets.isArray()) {
            throw bad(file, where + "found " + t + ", expected {\"dtype\": ..., \"shape\": [...], "
                    + "\"data_offsets\": [begin, end]}");
        }
        Integer size = BYTES.get(dtype.asText());
        if (size == null) {
            throw bad(file, where + "found dtype " + dtype.asText() + ", expected one of " + String.join(", ", DTYPES));
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(file, where + "found shape " + shape + ", expected non-negative integers");
            }
            dims[i] = d.asLong();
        }
        if (offsets.size() != 2 || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || offsets.get(0).asLong() < 0 || offsets.get(1).asLong() < offsets.get(0).asLong()) {
            throw bad(file, where + "found data_offsets " + offsets + ", expected [begin, end] with 0 <= begin <= end");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (end > dataSize) {
            throw bad(file, where + "data_offsets [" + begin + ", " + end + "] lie outside the data: found "
                    + dataSize + " bytes after the header, expected at least " + end + " (a truncated file?)");
        }
        Tensor x = new Tensor(name, dtype.asText(), dims, begin, end);
        if (x.elements() * 4 > MAX_TENSOR) {
            throw bad(file, where + "found " + x.elements() + " elements, expected at most " + MAX_TENSOR / 4
                    + " per tensor (one Java array)");
        }
        long want = x.elements() * size;
        if (end - begin != want) {
            throw bad(file, where + "found " + (end - begin) + " bytes at data_offsets [" + begin + ", " + end
                    + "], expected " + want + " (shape " + x.shapeText() + " of " + x.dtype() + ")");
        }
        return x;
    }

    static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("pretrained weights " + file + " (safetensors): " + what);
    }

    @Override
    public String toString() {
        return tensors.size() + " tensors, header " + headerLength + " bytes: "
                + Arrays.toString(tensors.stream().map(Tensor::name).limit(5).toArray());
    }
}
