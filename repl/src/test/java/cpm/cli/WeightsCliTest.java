package cpm.cli;

import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pretrained weights from the command line: a ResNet-18 in safetensors with timm names, written byte by byte here,
 * checked with {@code ./cpm weights check} and loaded by a 1-step training into both the image backbone and the
 * audio ResNet-18 (conv1 adapted); a truncated header and a shape mismatch are exit status 2.
 */
class WeightsCliTest {

    /** The quick recipe with batch norms (so the running statistics are required too). */
    static Recipe recipe() {
        return CliFixtures.quick(2).toBuilder().set("image.norm", "batch").set("optim.warmupSteps", 0)
                .set("optim.steps", 1).build();
    }

    @Test
    void timmSafetensorsLoadWithAFullMatchInCheckAndTraining(@TempDir Path dir) throws IOException {
        Path r = CliFixtures.writeRecipe(dir.resolve("r.json"), recipe());
        Path file = Files.write(dir.resolve("resnet18.safetensors"), safetensors(resnet18(null, null)));

        CliFixtures.Result check = CliFixtures.cpm("weights", "check", file.toString(), "--recipe", r.toString());
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().contains("format safetensors (F32 x102, I64 x20), names torchvision (detected), "
                + "prefix \"\""), check.out());
        assertTrue(check.out().contains("loaded 100 of 100 required tensors"), check.out());
        assertTrue(check.out().contains("unexpected (not used): 22") && check.out().contains("fc.weight (10, 128)"),
                check.out());
        assertTrue(check.out().contains("result: full match"), check.out());

        CliFixtures.Result audio = CliFixtures.cpm("weights", "check", file.toString(), "--recipe", r.toString(),
                "--part", "audio", "--set", "audio.backbone=resnet18");
        assertEquals(0, audio.code(), audio.err());
        assertTrue(audio.out().contains("adapted: 1\n    conv1.weight (16, 3, 7, 7) -> audio.backbone.conv1.weight "
                + "(16, 1, 7, 7)"), audio.out());

        Path run = dir.resolve("run");
        CliFixtures.Result train = CliFixtures.cpm("train", r.toString(), "--out", run.toString(), "--no-progress",
                "--set", "image.pretrained=" + file, "--set", "image.pretrainedNames=timm",
                "--set", "audio.backbone=resnet18", "--set", "audio.pretrained=" + file);
        assertEquals(0, train.code(), train.err());
        String report = Files.readString(run.resolve("weights-report.txt"));
        assertEquals(2, report.split("result: full match", -1).length - 1, report);
        assertTrue(report.contains("pretrained weights for the image backbone (backbone.*): " + file), report);
        assertTrue(report.contains("names timm (= torchvision) (image/audio.pretrainedNames)"), report);
        assertTrue(report.contains("layer4.1.bn2.running_var -> backbone.layer4.1.bn2.runningVar (128)"), report);
        assertTrue(report.contains("pretrained weights for the audio backbone (audio.backbone.*)"), report);
        assertTrue(train.err().contains("loaded 100 of 100 required tensors"), train.err());
    }

    @Test
    void truncatedHeaderAndShapeMismatchAreExitTwo(@TempDir Path dir) throws IOException {
        Path r = CliFixtures.writeRecipe(dir.resolve("r.json"), recipe());
        byte[] good = safetensors(resnet18(null, null));
        long n = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path cut = Files.write(dir.resolve("cut.safetensors"), java.util.Arrays.copyOf(good, 8 + (int) n / 3));
        CliFixtures.Result c = CliFixtures.cpm("weights", "check", cut.toString(), "--recipe", r.toString());
        assertEquals(2, c.code(), c.err());
        assertTrue(c.err().contains(cut + " (safetensors): truncated header") && c.err().contains("found only")
                && c.err().contains("expected at least " + n), c.err());
        assertFalse(c.err().contains("\tat "), c.err());

        Path bad = Files.write(dir.resolve("bad.safetensors"),
                safetensors(resnet18("layer2.0.conv2.weight", new long[] {1, 2, 3, 3})));
        c = CliFixtures.cpm("weights", "check", bad.toString(), "--recipe", r.toString());
        assertEquals(2, c.code(), c.err());
        assertTrue(c.out().contains("shape mismatches: 1") && c.out().contains("result: NOT loaded"), c.out());
        String expected = "key \"layer2.0.conv2.weight\": found shape (1, 2, 3, 3), expected (32, 32, 3, 3)";
        assertTrue(c.err().contains(bad.toString()) && c.err().contains(expected), c.err());

        Path run = dir.resolve("run");
        c = CliFixtures.cpm("train", r.toString(), "--out", run.toString(), "--no-progress",
                "--set", "image.pretrained=" + bad);
        assertEquals(2, c.code(), c.err());
        assertTrue(c.err().contains(expected) && c.err().contains("./cpm weights check " + bad), c.err());
        assertFalse(Files.exists(run.resolve("weights-report.txt")));
        assertFalse(Files.exists(run.resolve("checkpoints")));
    }

    /** (name, dtype, shape, values) of one tensor. */
    record T(String name, String dtype, long[] shape, float[] values) {
    }

    /**
     * ResNet-18 at width 0.25 (the tiny preset's) as timm names it: conv1, bn1, layerS.B.convI / bnI,
     * layerS.0.downsample.0/1, fc (10 classes), the num_batches_tracked counters as I64. {@code odd} gets
     * {@code oddShape} instead of its own.
     */
    static List<T> resnet18(String odd, long[] oddShape) {
        Random r = new Random(3);
        List<T> t = new ArrayList<>();
        conv(t, r, "conv1", 16, 3, 7);
        bn(t, r, "bn1", 16);
        long in = 16;
        for (int s = 1; s <= 4; s++) {
            long planes = 16L << (s - 1);
            for (int b = 0; b < 2; b++) {
                String p = "layer" + s + "." + b + ".";
                long cin = b == 0 ? in : planes;
                conv(t, r, p + "conv1", planes, cin, 3);
                bn(t, r, p + "bn1", planes);
                conv(t, r, p + "conv2", planes, planes, 3);
                bn(t, r, p + "bn2", planes);
                if (b == 0 && s > 1) {
                    conv(t, r, p + "downsample.0", planes, cin, 1);
                    bn(t, r, p + "downsample.1", planes);
                }
            }
            in = planes;
        }
        t.add(tensor(r, "fc.weight", "F32", new long[] {10, in}));
        t.add(tensor(r, "fc.bias", "F32", new long[] {10}));
        t.replaceAll(x -> x.name().equals(odd) ? tensor(r, odd, "F32", oddShape) : x);
        return t;
    }

    private static void conv(List<T> t, Random r, String name, long out, long in, int k) {
        t.add(tensor(r, name + ".weight", "F32", new long[] {out, in, k, k}));
    }

    private static void bn(List<T> t, Random r, String name, long c) {
        for (String leaf : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            T x = tensor(r, name + "." + leaf, "F32", new long[] {c});
            if (leaf.equals("running_var")) {
                for (int i = 0; i < x.values().length; i++) {
                    x.values()[i] = Math.abs(x.values()[i]) + 0.5f;
                }
            }
            t.add(x);
        }
        t.add(new T(name + ".num_batches_tracked", "I64", new long[0], new float[] {100}));
    }

    private static T tensor(Random r, String name, String dtype, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.1f * (float) r.nextGaussian();
        }
        return new T(name, dtype, shape, v);
    }

    /** 8-byte little-endian header length, the JSON header (space-padded to 8 bytes), the little-endian data. */
    static byte[] safetensors(List<T> ts) {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (T t : ts) {
            long bytes = (long) t.values().length * (t.dtype().equals("I64") ? 8 : 4);
            h.append(h.length() > 1 ? "," : "").append('"').append(t.name()).append("\":{\"dtype\":\"")
                    .append(t.dtype()).append("\",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) {
                h.append(i > 0 ? "," : "").append(t.shape()[i]);
            }
            h.append("],\"data_offsets\":[").append(off).append(',').append(off + bytes).append("]}");
            off += bytes;
        }
        h.append('}');
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + header.length + off)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (T t : ts) {
            for (float v : t.values()) {
                if (t.dtype().equals("I64")) {
                    b.putLong((long) v);
                } else {
                    b.putFloat(v);
                }
            }
        }
        return b.array();
    }
}
