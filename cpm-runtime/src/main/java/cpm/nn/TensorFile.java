package cpm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A file of named tensors as people hold pretrained weights: .safetensors (timm and Hugging Face releases) or .npz
 * (numpy), told apart by their first bytes, not their names. An .npz is decoded by DJL ({@code NDList.decode});
 * safetensors by {@link SafetensorsHeader} and here (why not DJL: see there), every tensor widened to float32
 * (F16, BF16, F64 and the integer types too), so a damaged file is one clear message.
 * PyTorch's own .pth/.pt checkpoints are Python pickles, which cannot be read without Python: they are recognised
 * and refused with the one-line conversion to safetensors.
 */
public final class TensorFile {

    /** The command that turns a PyTorch checkpoint into safetensors (docs/weights.md). */
    public static final String CONVERT = "python -c \"import torch, safetensors.torch as st; "
            + "sd = torch.load('IN.pth', map_location='cpu'); sd = sd.get('state_dict', sd); "
            + "st.save_file({k: v.contiguous() for k, v in sd.items()}, 'OUT.safetensors')\"";

    /** The arrays of a file, by name in file order, with the format and the element type of each. */
    public record Contents(String format, Map<String, NDArray> arrays, Map<String, String> dtypes) {
        /** "F32 x62, BF16 x2": the element types and how many tensors have each. */
        public String dtypeSummary() {
            Map<String, Integer> count = new TreeMap<>();
            dtypes.values().forEach(d -> count.merge(d, 1, Integer::sum));
            StringBuilder sb = new StringBuilder();
            count.forEach((d, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(d).append(" x").append(n));
            return sb.toString();
        }
    }

    private TensorFile() {
    }

    /** Reads every tensor of {@code file} into {@code manager} (in the file's element types). */
    public static Contents read(NDManager manager, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("pretrained weights " + file + ": found no such file, expected a "
                    + ".safetensors or .npz file");
        }
        try {
            long size = Files.size(file);
            byte[] head = readHead(file, 16);
            if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') {
                return zip(manager, file);
            }
            if (head.length >= 1 && (head[0] & 0xff) == 0x80) {
                throw pickle(file, "a legacy PyTorch pickle");
            }
            if (head.length >= 9 && head[8] != '{' && !file.toString().endsWith(".safetensors")) {
                throw new IllegalArgumentException("pretrained weights " + file + ": found neither a zip (.npz) nor "
                        + "a safetensors header, expected a .safetensors or .npz file");
            }
            return safetensors(manager, file, size);
        } catch (IOException e) {
            throw new UncheckedIOException("pretrained weights " + file + ": " + e.getMessage(), e);
        }
    }

    private static Contents safetensors(NDManager manager, Path file, long size) throws IOException {
        byte[] first = readHead(file, 8);
        long n = first.length < 8 ? 0 : ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] head = n >= 2 && n <= size - 8 ? readHead(file, (int) Math.min(8 + n, Integer.MAX_VALUE)) : first;
        SafetensorsHeader header = SafetensorsHeader.parse(file, head, size);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        Map<String, String> dtypes = new LinkedHashMap<>();
        long base = 8 + header.headerLength();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (SafetensorsHeader.Tensor t : header.tensors()) {
                ByteBuffer b = ByteBuffer.allocate((int) (t.end() - t.begin())).order(ByteOrder.LITTLE_ENDIAN);
                while (b.hasRemaining()) {
                    if (ch.read(b, base + t.begin() + b.position()) < 0) {
                        throw new IllegalArgumentException("pretrained weights " + file + " (safetensors): tensor \""
                                + t.name() + "\": found the file ending early, expected its "
                                + (t.end() - t.begin()) + " bytes");
                    }
                }
                b.flip();
                NDArray a = manager.create(widen(t.dtype(), b, (int) t.elements()), new Shape(t.shape()));
                a.setName(t.name());
                arrays.put(t.name(), a);
                dtypes.put(t.name(), t.dtype());
            }
        }
        return new Contents("safetensors", Collections.unmodifiableMap(arrays), Collections.unmodifiableMap(dtypes));
    }

    /** The little-endian values of {@code dtype} as float32. */
    static float[] widen(String dtype, ByteBuffer b, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (dtype) {
                case "F32" -> b.getFloat();
                case "F16" -> half(b.getShort());
                case "BF16" -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                case "F64" -> (float) b.getDouble();
                case "I64" -> b.getLong();
                case "I32" -> b.getInt();
                case "I8" -> b.get();
                case "U8", "BOOL" -> b.get() & 0xff;
                default -> throw new IllegalStateException("dtype " + dtype + " passed the header check");
            };
        }
        return v;
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float half(short h) {
        int e = (h >>> 10) & 0x1f;
        int m = h & 0x3ff;
        float v;
        if (e == 0) {
            v = m * 0x1p-24f; // zero or subnormal
        } else if (e == 31) {
            v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat((e - 15 + 127) << 23 | m << 13);
        }
        return h < 0 ? -v : v;
    }

    /** An .npz, or a zip-format PyTorch checkpoint (torch.save since 1.6), which holds a pickle. */
    private static Contents zip(NDManager manager, Path file) throws IOException {
        try (ZipFile z = new ZipFile(file.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                if (e.getName().endsWith("data.pkl")) {
                    throw pickle(file, "a PyTorch checkpoint (torch.save zip holding " + e.getName() + ")");
                }
                if (!e.getName().endsWith(".npy")) {
                    throw new IllegalArgumentException("pretrained weights " + file + ": found zip entry \""
                            + e.getName() + "\", expected an .npz whose entries are NAME.npy arrays");
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException("pretrained weights " + file + ": not a readable zip (" + e.getMessage()
                    + "), expected a .safetensors or .npz file");
        }
        NDList list;
        try (InputStream in = Files.newInputStream(file)) {
            list = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("pretrained weights " + file + ": not a readable .npz ("
                    + e.getMessage() + "), expected numpy arrays saved with numpy.savez", e);
        }
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        Map<String, String> dtypes = new LinkedHashMap<>();
        for (NDArray a : list) {
            arrays.put(a.getName(), a);
            dtypes.put(a.getName(), a.getDataType().toString());
        }
        return new Contents("npz", Collections.unmodifiableMap(arrays), Collections.unmodifiableMap(dtypes));
    }

    private static IllegalArgumentException pickle(Path file, String what) {
        return new IllegalArgumentException("pretrained weights " + file + ": found " + what + ", which is a Python "
                + "pickle that Java cannot read; expected .safetensors or .npz. Convert it once with: " + CONVERT);
    }

    private static byte[] readHead(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    /** "(64, 3, 7, 7)", as DJL prints a Shape. */
    public static String shapeText(long[] dims) {
        return new Shape(dims).toString();
    }
}
