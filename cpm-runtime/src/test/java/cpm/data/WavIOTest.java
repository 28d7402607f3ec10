package cpm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WavIOTest {

    @TempDir
    Path dir;

    /** An independent WAV encoder for the formats the toolkit only reads. */
    static byte[] encode(int format, int bits, int rate, float[][] s) {
        int ch = s.length, n = s[0].length, bps = bits / 8;
        ByteBuffer b = ByteBuffer.allocate(44 + n * ch * bps).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + n * ch * bps).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) format).putShort((short) ch).putInt(rate).putInt(rate * ch * bps)
                .putShort((short) (ch * bps)).putShort((short) bits).put("data".getBytes()).putInt(n * ch * bps);
        for (int i = 0; i < n; i++) {
            for (float[] c : s) {
                double v = c[i];
                if (format == 3) {
                    b.putFloat(c[i]);
                } else if (bits == 16) {
                    b.putShort((short) Math.round(v * 32767));
                } else if (bits == 24) {
                    int q = (int) Math.round(v * 8388607);
                    b.put((byte) q).put((byte) (q >> 8)).put((byte) (q >> 16));
                } else {
                    b.putInt((int) Math.round(v * 2147483647.0));
                }
            }
        }
        return b.array();
    }

    static float[][] signal(int ch, int n) {
        float[][] s = new float[ch][n];
        for (int c = 0; c < ch; c++) {
            for (int i = 0; i < n; i++) {
                s[c][i] = (float) (0.9 * Math.sin(0.01 * i * (c + 1)) * (i % 3 == 0 ? 1 : -0.5));
            }
        }
        s[0][0] = 1f;
        s[0][1] = -1f;
        return s;
    }

    @Test
    void everyFormatRoundTripsWithinItsQuantisation() throws IOException {
        int[][] formats = {{1, 16}, {1, 24}, {1, 32}, {3, 32}};
        double[] tol = {1.5 / 32767, 1.5 / 8388607, 1e-9, 0};
        for (int ch = 1; ch <= 2; ch++) {
            float[][] s = signal(ch, 1000);
            for (int k = 0; k < formats.length; k++) {
                Path p = dir.resolve("f" + k + "c" + ch + ".wav");
                Files.write(p, encode(formats[k][0], formats[k][1], 22050, s));
                WavIO.Wav w = WavIO.read(p);
                assertEquals(22050, w.sampleRate());
                assertEquals(ch, w.channels());
                for (int c = 0; c < ch; c++) {
                    for (int i = 0; i < 1000; i++) {
                        assertEquals(s[c][i], w.samples()[c][i], tol[k] + 1e-7, "format " + Arrays.toString(formats[k]));
                    }
                }
            }
            // the toolkit's own 16-bit writer
            Path p = dir.resolve("w" + ch + ".wav");
            WavIO.write(p, 16000, s);
            WavIO.Wav w = WavIO.read(p);
            for (int c = 0; c < ch; c++) {
                for (int i = 0; i < 1000; i++) {
                    assertEquals(Math.min(s[c][i], 32767f / 32768), w.samples()[c][i], 0.5 / 32768 + 1e-7);
                }
            }
            try (var files = Files.list(dir)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temporary file left behind");
            }
        }
    }

    @Test
    void badFilesNameTheFileWhatWasFoundAndWhatWasExpected() throws IOException {
        float[][] s = signal(1, 100);
        Path alaw = dir.resolve("alaw.wav");
        byte[] b = encode(1, 16, 16000, s);
        b[20] = 6; // format tag A-law
        Files.write(alaw, b);
        DataException e = assertThrows(DataException.class, () -> WavIO.read(alaw));
        assertTrue(e.getMessage().contains("alaw.wav") && e.getMessage().contains("A-law")
                && e.getMessage().contains("expected PCM"), e.getMessage());

        Path trunc = dir.resolve("trunc.wav");
        Files.write(trunc, Arrays.copyOf(encode(1, 16, 16000, s), 44 + 50));
        e = assertThrows(DataException.class, () -> WavIO.read(trunc));
        assertTrue(e.getMessage().contains("trunc.wav") && e.getMessage().contains("truncated"), e.getMessage());

        Path header = dir.resolve("header.wav");
        Files.write(header, "RIFX\0\0\0\0AVI junk junk".getBytes());
        e = assertThrows(DataException.class, () -> WavIO.read(header));
        assertTrue(e.getMessage().contains("header.wav") && e.getMessage().contains("RIFF....WAVE"), e.getMessage());

        Path three = dir.resolve("three.wav");
        Files.write(three, encode(1, 16, 16000, signal(3, 10)));
        e = assertThrows(DataException.class, () -> WavIO.read(three));
        assertTrue(e.getMessage().contains("3 channels") && e.getMessage().contains("1 (mono) or 2"), e.getMessage());

        Path eight = dir.resolve("eight.wav");
        byte[] b8 = encode(1, 16, 16000, s);
        b8[34] = 8; // 8 bits per sample
        Files.write(eight, b8);
        e = assertThrows(DataException.class, () -> WavIO.read(eight));
        assertTrue(e.getMessage().contains("8 bits"), e.getMessage());

        Path missing = dir.resolve("missing.wav");
        e = assertThrows(DataException.class, () -> WavIO.read(missing));
        assertTrue(e.getMessage().contains("missing.wav"), e.getMessage());
    }

    /** Power of x at frequency f (Goertzel-style direct DFT). */
    static double power(float[] x, double f, int rate) {
        double re = 0, im = 0;
        for (int i = 0; i < x.length; i++) {
            re += x[i] * Math.cos(2 * Math.PI * f * i / rate);
            im += x[i] * Math.sin(2 * Math.PI * f * i / rate);
        }
        return (re * re + im * im) / x.length / x.length;
    }

    @Test
    void resamplingKeepsAToneAndRemovesWhatCannotBeRepresented() {
        int in = 44100, out = 16000;
        float[] x = new float[in / 2];
        float[] hi = new float[in / 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.8 * Math.sin(2 * Math.PI * 1000 * i / in));
            hi[i] = (float) (0.8 * Math.sin(2 * Math.PI * 11000 * i / in)); // above the new Nyquist (8 kHz)
        }
        float[] y = WavIO.resample(x, in, out);
        assertEquals(8000, y.length);
        // amplitude kept: the 1 kHz component has power (0.8/2)^2 = 0.16
        double p = power(Arrays.copyOfRange(y, 400, 7600), 1000, out);
        assertEquals(0.16, p, 0.005);
        for (double f : new double[]{900, 1100, 3000}) {
            assertTrue(power(Arrays.copyOfRange(y, 400, 7600), f, out) < 1e-4, "leak at " + f);
        }
        // and sample by sample against the analytic tone away from the edges
        for (int j = 400; j < 7600; j++) {
            assertEquals(0.8 * Math.sin(2 * Math.PI * 1000 * j / out), y[j], 2e-3);
        }
        // an 11 kHz tone would alias to 5 kHz; the anti-aliasing filter removes it
        float[] z = WavIO.resample(hi, in, out);
        double rms = 0;
        for (int j = 400; j < 7600; j++) {
            rms += z[j] * z[j] / 7200.0;
        }
        assertTrue(Math.sqrt(rms) < 0.01, "aliased rms " + Math.sqrt(rms));
        // up-sampling 8 kHz -> 16 kHz keeps the tone too
        float[] lo = WavIO.resample(Arrays.copyOfRange(y, 0, 4000), 16000, 32000);
        assertEquals(8000, lo.length);
        assertEquals(0.16, power(Arrays.copyOfRange(lo, 800, 7200), 1000, 32000), 0.005);
    }

    @Test
    void framesAreCutInOrderAndTheLastIsZeroPadded() {
        float[][] clip = new float[2][25];
        for (int i = 0; i < 25; i++) {
            clip[0][i] = i;
            clip[1][i] = -i;
        }
        assertArrayEquals(new float[]{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, -10, -11, -12, -13, -14, -15, -16, -17,
                -18, -19}, WavIO.frameWindow(clip, 10, 1));
        assertArrayEquals(new float[]{20, 21, 22, 23, 24, 0, 0, 0, 0, 0, -20, -21, -22, -23, -24, 0, 0, 0, 0, 0},
                WavIO.frameWindow(clip, 10, 2));
        WavIO.Wav stereo = new WavIO.Wav(16000, new float[][]{{1f, 0.5f}, {0f, -0.5f}});
        assertArrayEquals(new float[]{0.5f, 0f}, WavIO.conform(stereo, 16000, 1, dir)[0]);
        DataException e = assertThrows(DataException.class,
                () -> WavIO.conform(new WavIO.Wav(16000, new float[][]{{1f}}), 16000, 2, dir.resolve("m.wav")));
        assertTrue(e.getMessage().contains("m.wav") && e.getMessage().contains("mono"), e.getMessage());
    }
}
