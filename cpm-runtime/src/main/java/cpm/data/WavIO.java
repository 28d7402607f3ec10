package cpm.data;

import cpm.data.DataProblem.Kind;
import cpm.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * WAV files: read PCM 16/24/32-bit and IEEE float32 (mono or stereo), resample with a Hann-windowed sinc
 * low-pass interpolator, write 16-bit PCM atomically, and cut a clip into per-frame windows.
 */
public final class WavIO {

    /** Half-width of the resampling kernel in zero crossings of the (lower) cut-off sinc. */
    private static final int SINC_ZEROS = 24;
    /**
     * Sample rates a header may declare. Below 1 kHz no sound is usable and resampling would multiply the clip's
     * length (a header claiming 1 Hz asks for 16000 samples per stored one: gigabytes); above 1 MHz it would
     * shrink the clip to nothing.
     */
    static final int MIN_RATE = 1000, MAX_RATE = 1_000_000;
    /** The largest file read whole into one array. */
    private static final long MAX_FILE = Integer.MAX_VALUE - 8;

    private WavIO() {
    }

    /** A decoded WAV file: samples[channel][i] in [-1,1]. */
    public record Wav(int sampleRate, float[][] samples) {
        public int channels() {
            return samples.length;
        }

        public int length() {
            return samples[0].length;
        }
    }

    /** Reads a WAV file; every malformed case is a {@link DataException} naming the file. */
    public static Wav read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE) {
                throw new DataException(file, String.format(java.util.Locale.ROOT, "a file of %,d bytes", size),
                        "a WAV file under 2 GiB");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException(Kind.WAV, file, "an unreadable file (" + e.getMessage() + ")",
                    "a readable WAV file", e);
        }
        return decode(bytes, file);
    }

    static Wav decode(byte[] bytes, Path file) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12) {
            throw new DataException(Kind.WAV, file, bytes.length + " bytes", "a RIFF/WAVE header of at least 12 bytes");
        }
        String riff = ascii(bytes, 0), wave = ascii(bytes, 8);
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
            throw new DataException(Kind.WAV, file, "header \"" + printable(riff) + "...." + printable(wave) + "\"",
                    "\"RIFF....WAVE\" (a WAV file)");
        }
        int pos = 12;
        int format = -1, channels = 0, rate = 0, bits = 0;
        int dataOff = -1;
        long dataLen = 0;
        while (pos + 8 <= bytes.length) {
            String id = ascii(bytes, pos);
            long len = b.getInt(pos + 4) & 0xFFFFFFFFL;
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (len < 16 || body + 16 > bytes.length) {
                    throw new DataException(Kind.WAV, file, "a fmt chunk of " + len + " bytes (file truncated?)",
                            "at least 16 bytes");
                }
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2) & 0xFFFF;
                rate = b.getInt(body + 4);
                bits = b.getShort(body + 14) & 0xFFFF;
                if (format == 0xFFFE && len >= 40 && body + 26 <= bytes.length) {
                    format = b.getShort(body + 24) & 0xFFFF; // WAVE_FORMAT_EXTENSIBLE: sub-format GUID's first 2 bytes
                }
            } else if (id.equals("data")) {
                dataOff = body;
                dataLen = len;
                break;
            }
            pos = (int) Math.min(Integer.MAX_VALUE, body + len + (len & 1));
        }
        if (format < 0) {
            throw new DataException(Kind.WAV, file, "no fmt chunk", "a WAV fmt chunk before the data chunk");
        }
        if (dataOff < 0) {
            throw new DataException(Kind.WAV, file, "no data chunk (file truncated?)", "a WAV data chunk");
        }
        boolean pcm = format == 1 && (bits == 16 || bits == 24 || bits == 32);
        boolean flt = format == 3 && bits == 32;
        if (!pcm && !flt) {
            throw new DataException(Kind.WAV, file,
                    "format " + formatName(format) + " with " + bits + " bits per sample",
                    "PCM 16/24/32-bit or IEEE float 32-bit");
        }
        if (channels < 1 || channels > 2) {
            throw new DataException(Kind.WAV, file, channels + " channels", "1 (mono) or 2 (stereo) channels");
        }
        if (rate < MIN_RATE || rate > MAX_RATE) {
            throw new DataException(Kind.WAV, file, "sample rate " + (rate & 0xFFFFFFFFL) + " Hz in the fmt chunk",
                    String.format(java.util.Locale.ROOT, "a sample rate between %,d and %,d Hz", MIN_RATE, MAX_RATE));
        }
        int bytesPer = bits / 8;
        int frameBytes = bytesPer * channels;
        if (dataOff + dataLen > bytes.length) {
            throw new DataException(Kind.WAV, file, "a truncated file: data chunk declares " + dataLen + " bytes but "
                    + (bytes.length - dataOff) + " remain", "the complete data chunk");
        }
        int n = (int) (dataLen / frameBytes);
        float[][] out = new float[channels][n];
        int p = dataOff;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++, p += bytesPer) {
                float v;
                if (flt) {
                    v = b.getFloat(p);
                } else if (bits == 16) {
                    v = b.getShort(p) / 32768f;
                } else if (bits == 24) {
                    int s = (bytes[p] & 0xFF) | ((bytes[p + 1] & 0xFF) << 8) | (bytes[p + 2] << 16);
                    v = s / 8388608f;
                } else {
                    v = (float) (b.getInt(p) / 2147483648.0);
                }
                out[c][i] = v;
            }
        }
        return new Wav(rate, out);
    }

    /** Writes 16-bit PCM (values clamped to [-1, 32767/32768]) to a temporary file in the same folder, then renames it. */
    public static void write(Path file, int sampleRate, float[][] samples) {
        int ch = samples.length, n = samples[0].length;
        ByteBuffer b = ByteBuffer.allocate(44 + n * ch * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + n * ch * 2).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) ch).putInt(sampleRate)
                .putInt(sampleRate * ch * 2).putShort((short) (ch * 2)).putShort((short) 16);
        b.put("data".getBytes()).putInt(n * ch * 2);
        for (int i = 0; i < n; i++) {
            for (float[] s : samples) {
                b.putShort(quantise16(s[i]));
            }
        }
        writeAtomically(file, b.array());
    }

    /** The 16-bit PCM code of a sample: round(x * 32768) clamped to [-32768, 32767], the inverse of read's /32768. */
    static short quantise16(float x) {
        long q = Math.round(x * 32768.0);
        return (short) Math.max(-32768, Math.min(32767, q));
    }

    /** Writes through {@link AtomicFiles} (the target's kind and the umask kept); errors name the file. */
    static void writeAtomically(Path file, byte[] bytes) {
        try {
            AtomicFiles.write(file, bytes);
        } catch (UncheckedIOException e) {
            throw new DataException(file, "a write failure (" + e.getCause().getMessage() + ")",
                    "a writable location", e);
        }
    }

    /**
     * Resamples one channel from {@code inRate} to {@code outRate} by band-limited interpolation: a sinc
     * low-pass at 0.95 x min(inRate, outRate)/2 (so down-sampling does not alias), windowed by a Hann window
     * over {@value #SINC_ZEROS} zero crossings on each side. Output length = round(n * outRate / inRate).
     */
    public static float[] resample(float[] x, int inRate, int outRate) {
        if (inRate == outRate) {
            return x.clone();
        }
        return resample(x, inRate, outRate, 0, (int) Math.round((double) x.length * outRate / inRate));
    }

    /**
     * Output samples [from, from + m) of {@link #resample(float[], int, int)}, computed alone (each output sample
     * depends only on its own neighbourhood), so a window of a long file costs only the window.
     */
    public static float[] resample(float[] x, int inRate, int outRate, long from, int m) {
        if (inRate == outRate) {
            return java.util.Arrays.copyOfRange(x, (int) from, (int) from + m);
        }
        int n = x.length;
        double step = (double) inRate / outRate; // input samples per output sample
        double cutoff = 0.95 * Math.min(1.0, (double) outRate / inRate); // in cycles per input sample * 2
        double half = SINC_ZEROS / cutoff; // kernel half-width in input samples
        float[] y = new float[m];
        for (int j = 0; j < m; j++) {
            double t = (from + j) * step;
            int lo = (int) Math.ceil(t - half), hi = (int) Math.floor(t + half);
            double acc = 0;
            for (int k = Math.max(0, lo); k <= Math.min(n - 1, hi); k++) {
                double d = t - k;
                double arg = cutoff * d;
                double sinc = Math.abs(arg) < 1e-12 ? 1.0 : Math.sin(Math.PI * arg) / (Math.PI * arg);
                double w = 0.5 + 0.5 * Math.cos(Math.PI * d / half);
                acc += x[k] * cutoff * sinc * w;
            }
            y[j] = (float) acc;
        }
        return y;
    }

    /**
     * Converts a decoded file to the recipe's rate and channel count. Stereo to mono averages the channels;
     * mono to stereo is refused (the stereo image cannot be invented).
     */
    public static float[][] conform(Wav wav, int sampleRate, int channels, Path file) {
        channelRule(wav, channels, file);
        float[][] s = wav.samples();
        if (channels == 1 && s.length == 2) {
            float[] m = new float[s[0].length];
            for (int i = 0; i < m.length; i++) {
                m[i] = 0.5f * (s[0][i] + s[1][i]);
            }
            s = new float[][]{m};
        }
        if (wav.sampleRate() != sampleRate) {
            checkFits(file, (long) s.length * Math.round((double) s[0].length * sampleRate / wav.sampleRate()),
                    wav.sampleRate(), sampleRate);
            float[][] r = new float[s.length][];
            for (int c = 0; c < s.length; c++) {
                r[c] = resample(s[c], wav.sampleRate(), sampleRate);
            }
            s = r;
        }
        return s;
    }

    /** Mono audio where the recipe asks for stereo is refused: the stereo image cannot be invented. */
    static void channelRule(Wav wav, int channels, Path file) {
        if (channels == 2 && wav.channels() == 1) {
            throw new DataException(Kind.AUDIO_CHANNELS, file, "mono audio",
                    "stereo audio (recipe audio.channels = 2)");
        }
    }

    /** Refuses a resampled clip of {@code samples} floats that would take more than a quarter of the Java heap. */
    private static void checkFits(Path file, long samples, int fromRate, int toRate) {
        long bytes = samples * Float.BYTES, heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 4) {
            throw new DataException(file, String.format(java.util.Locale.ROOT, "a clip that resampled from %,d to %,d"
                    + " Hz takes %,d MiB", fromRate, toRate, bytes >> 20), String.format(java.util.Locale.ROOT,
                    "at most a quarter of the Java heap (%,d MiB; more with CPM_JAVA_OPTS=-Xmx...)", heap >> 20));
        }
    }

    /** The window of frame {@code frame} (samplesPerFrame per channel), planar, zero padded past the end. */
    public static float[] frameWindow(float[][] clip, int samplesPerFrame, int frame) {
        float[] out = new float[clip.length * samplesPerFrame];
        int start = frame * samplesPerFrame;
        for (int c = 0; c < clip.length; c++) {
            int len = Math.max(0, Math.min(samplesPerFrame, clip[c].length - start));
            if (len > 0) {
                System.arraycopy(clip[c], start, out, c * samplesPerFrame, len);
            }
        }
        return out;
    }

    private static String ascii(byte[] b, int off) {
        return new String(b, off, Math.min(4, b.length - off), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7E]", "?");
    }

    private static String formatName(int f) {
        return switch (f) {
            case 1 -> "PCM";
            case 2 -> "MS-ADPCM (2)";
            case 3 -> "IEEE float";
            case 6 -> "A-law (6)";
            case 7 -> "mu-law (7)";
            case 0x55 -> "MP3 (0x55)";
            default -> "code " + f;
        };
    }
}
