package cpm.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A ResNet-18 state dict as a release ships it, written by hand for the tests: the tensors (torchvision / timm
 * names, or Hugging Face transformers names), seeded values, and the bytes of a .safetensors file (8-byte
 * little-endian header length, JSON header, little-endian data), independent of the code under test.
 */
final class ResNetFile {

    /** One tensor: torchvision name, name in the written scheme, dtype, shape, values (as float). */
    record T(String tv, String name, String dtype, long[] shape, float[] values) {
        int bytesPer() {
            return switch (dtype) {
                case "F32" -> 4;
                case "I64" -> 8;
                default -> 2;
            };
        }
    }

    private ResNetFile() {
    }

    /**
     * ResNet-18 at width {@code width} (stem round(64 w) channels) with batch norms, a 10-way fc and the
     * num_batches_tracked counters (I64); {@code hf} writes transformers names. {@code prefix} goes before each.
     */
    static List<T> resnet18(double width, boolean hf, String prefix, long seed) {
        Random r = new Random(seed);
        List<T> t = new ArrayList<>();
        long c0 = Math.round(64 * width);
        conv(t, r, "conv1", hf ? "embedder.embedder.convolution" : "conv1", c0, 3, 7);
        bn(t, r, "bn1", hf ? "embedder.embedder.normalization" : "bn1", c0);
        long in = c0;
        for (int s = 1; s <= 4; s++) {
            long planes = Math.round(64 * width * (1 << (s - 1)));
            for (int b = 0; b < 2; b++) {
                String tv = "layer" + s + "." + b + ".";
                String h = "encoder.stages." + (s - 1) + ".layers." + b + ".";
                long cin = b == 0 ? in : planes;
                conv(t, r, tv + "conv1", hf ? h + "layer.0.convolution" : tv + "conv1", planes, cin, 3);
                bn(t, r, tv + "bn1", hf ? h + "layer.0.normalization" : tv + "bn1", planes);
                conv(t, r, tv + "conv2", hf ? h + "layer.1.convolution" : tv + "conv2", planes, planes, 3);
                bn(t, r, tv + "bn2", hf ? h + "layer.1.normalization" : tv + "bn2", planes);
                if (b == 0 && s > 1) {
                    conv(t, r, tv + "downsample.0", hf ? h + "shortcut.convolution" : tv + "downsample.0", planes, cin, 1);
                    bn(t, r, tv + "downsample.1", hf ? h + "shortcut.normalization" : tv + "downsample.1", planes);
                }
            }
            in = planes;
        }
        t.add(new T("fc.weight", hf ? "classifier.1.weight" : "fc.weight", "F32", new long[] {10, in},
                values(r, 10 * (int) in, 0.1f, 0f)));
        t.add(new T("fc.bias", hf ? "classifier.1.bias" : "fc.bias", "F32", new long[] {10}, values(r, 10, 0.1f, 0f)));
        List<T> out = new ArrayList<>();
        for (T x : t) {
            out.add(new T(x.tv(), prefix + x.name(), x.dtype(), x.shape(), x.values()));
        }
        return out;
    }

    private static void conv(List<T> t, Random r, String tv, String name, long out, long in, int k) {
        t.add(new T(tv + ".weight", name + ".weight", "F32", new long[] {out, in, k, k},
                values(r, (int) (out * in * k * k), 0.2f, 0f)));
    }

    private static void bn(List<T> t, Random r, String tv, String name, long c) {
        t.add(new T(tv + ".weight", name + ".weight", "F32", new long[] {c}, values(r, (int) c, 0.2f, 1f)));
        t.add(new T(tv + ".bias", name + ".bias", "F32", new long[] {c}, values(r, (int) c, 0.2f, 0f)));
        t.add(new T(tv + ".running_mean", name + ".running_mean", "F32", new long[] {c}, values(r, (int) c, 0.2f, 0f)));
        float[] var = values(r, (int) c, 0.2f, 0f);
        for (int i = 0; i < var.length; i++) {
            var[i] = Math.abs(var[i]) + 0.5f;
        }
        t.add(new T(tv + ".running_var", name + ".running_var", "F32", new long[] {c}, var));
        t.add(new T(tv + ".num_batches_tracked", name + ".num_batches_tracked", "I64", new long[0], new float[] {7}));
    }

    private static float[] values(Random r, int n, float scale, float offset) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = offset + scale * (float) r.nextGaussian();
        }
        return v;
    }

    static T find(List<T> ts, String tv) {
        return ts.stream().filter(x -> x.tv().equals(tv)).findFirst().orElseThrow();
    }

    /** {@code t} with another dtype (its values rounded to what that dtype holds) or shape. */
    static T with(T t, String dtype, long[] shape) {
        float[] v = t.values().clone();
        if (shape != t.shape()) {
            long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            v = Arrays.copyOf(v, (int) n);
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (dtype) {
                case "BF16" -> Float.intBitsToFloat(Float.floatToIntBits(v[i]) & 0xffff0000);
                case "F16" -> Math.round(v[i] * 64) / 64f; // k/64, |k| < 2048: exact in half precision
                default -> v[i];
            };
        }
        return new T(t.tv(), t.name(), dtype, shape, v);
    }

    /** The .safetensors bytes: the header padded with spaces to a multiple of 8, as the reference writer does. */
    static byte[] safetensors(List<T> ts) {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        for (T t : ts) {
            long n = (long) t.values().length * t.bytesPer();
            h.append(",\"").append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) {
                h.append(i > 0 ? "," : "").append(t.shape()[i]);
            }
            h.append("],\"data_offsets\":[").append(off).append(',').append(off + n).append("]}");
            off += n;
        }
        h.append('}');
        while ((8 + h.length()) % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + header.length + off)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (T t : ts) {
            for (float v : t.values()) {
                switch (t.dtype()) {
                    case "F32" -> b.putFloat(v);
                    case "I64" -> b.putLong((long) v);
                    case "BF16" -> b.putShort((short) (Float.floatToIntBits(v) >>> 16));
                    case "F16" -> b.putShort(half(v));
                    default -> throw new IllegalArgumentException(t.dtype());
                }
            }
        }
        return b.array();
    }

    /** IEEE half bits of a float that half precision holds exactly (zero or a normal number). */
    static short half(float v) {
        if (v == 0) {
            return 0;
        }
        int f = Float.floatToIntBits(v);
        int sign = (f >>> 31) << 15;
        int exp = ((f >>> 23) & 0xff) - 127 + 15;
        int mant = (f >>> 13) & 0x3ff;
        if (exp <= 0 || exp >= 31 || (f & 0x1fff) != 0) {
            throw new IllegalArgumentException(v + " is not exact in half precision");
        }
        return (short) (sign | exp << 10 | mant);
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }

    /** An .npz of the F32 tensors (numpy's format through DJL's NPZ encoder), the I64 counters left out. */
    static Path npz(Path file, List<T> ts, ai.djl.ndarray.NDManager m) throws IOException {
        ai.djl.ndarray.NDList list = new ai.djl.ndarray.NDList();
        for (T t : ts) {
            if (t.dtype().equals("F32")) {
                ai.djl.ndarray.NDArray a = m.create(t.values(), new ai.djl.ndarray.types.Shape(t.shape()));
                a.setName(t.name());
                list.add(a);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        list.encode(out, ai.djl.ndarray.NDList.Encoding.NPZ);
        return write(file, out.toByteArray());
    }
}
