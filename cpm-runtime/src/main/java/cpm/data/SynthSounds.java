package cpm.data;

/**
 * The sounds of the synthetic benchmark (docs/datasets.md): one procedural sound per object class and per
 * off-screen-only type, each a function of absolute time so that any second of a clip can be rendered on its
 * own. Types 1..8 follow {@code SyntheticCatalog.SEMANTIC} (bell, drum, flute, siren, engine, bird, guitar,
 * voice); 9..11 are {@code SyntheticCatalog.OFFSCREEN_ONLY} (wind, clicks, hum). Every sound has peak
 * amplitude at most 1.
 */
final class SynthSounds {

    static final int TYPES = 11;
    private static final int TABLE = 1 << 13;
    private static final float[] SIN = new float[TABLE + 1];

    static {
        for (int i = 0; i <= TABLE; i++) {
            SIN[i] = (float) Math.sin(2 * Math.PI * i / TABLE);
        }
    }

    private SynthSounds() {
    }

    /** Per-instance variation of a sound: pitch factor, time offset (fraction of the rhythm) and noise seed. */
    record Voice(int type, double pitch, double phase, long seed) {
    }

    /** sin(2 pi c) by table lookup with linear interpolation. */
    static float sinCycles(double c) {
        double f = c - Math.floor(c);
        double p = f * TABLE;
        int i = (int) p;
        float a = SIN[i];
        return a + (SIN[i + 1] - a) * (float) (p - i);
    }

    /** Deterministic white noise in [-1,1] for sample {@code n} of a stream. */
    static float noise(long seed, long n) {
        long z = seed + n * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) / (float) (1L << 23) - 1f;
    }

    /**
     * Adds {@code gain} x the voice over samples [start, start+len) of absolute time into out[off..]. One loop per
     * sound type, with its per-voice constants taken out of the loop: a single loop over a per-sample switch was
     * not inlined by the JIT and took about twice the CPU time (bench/notes-epoch.md). Every expression is the
     * one of the straightforward per-sample formula, in the same order, so the samples are the same to the bit
     * (RenderHashTest).
     */
    static void render(Voice v, int rate, long start, int len, float gain, float[] out, int off) {
        float[] x = new float[len];
        double p = v.pitch(), ph = v.phase();
        long seed = v.seed();
        switch (v.type()) {
            case 1 -> bell(p, ph, rate, start, x);
            case 2 -> drum(p, ph, seed, rate, start, x);
            case 3 -> flute(p, rate, start, x);
            case 4 -> siren(p, ph, rate, start, x);
            case 5 -> engine(p, ph, rate, start, x);
            case 6 -> bird(p, ph, rate, start, x);
            case 7 -> guitar(p, ph, rate, start, x);
            case 8 -> voice(p, ph, rate, start, x);
            case 9 -> wind(p, ph, seed, rate, start, x);
            case 10 -> clicks(seed, rate, start, x);
            case 11 -> hum(p, rate, start, x);
            default -> throw new IllegalArgumentException("sound type " + v.type());
        }
        for (int i = 0; i < len; i++) {
            out[off + i] += gain * Math.max(-1f, Math.min(1f, x[i])); // rare peaks of many-partial sounds
        }
    }

    /** Bell: inharmonic partials, struck once a second, exponential decay. */
    private static void bell(double p, double ph, int rate, long start, float[] x) {
        double f0 = 880 * p, f1 = 2.0 * f0, f2 = 2.76 * f0, f3 = 5.4 * f0;
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double tau = frac(t - ph);
            float s = sinCycles(f0 * t) + 0.6f * sinCycles(f1 * t) + 0.4f * sinCycles(f2 * t)
                    + 0.25f * sinCycles(f3 * t);
            x[i] = (float) (Math.exp(-4 * tau) * s / 2.25);
        }
    }

    /** Drum: four onsets a second, low thump plus noise burst. */
    private static void drum(double p, double ph, long seed, int rate, long start, float[] x) {
        double shift = ph * 0.25, f = 95 * p;
        for (int i = 0; i < x.length; i++) {
            long n = start + i;
            double t = (double) n / rate;
            double tau = frac((t - shift) * 4) * 0.25;
            double env = Math.exp(-tau * 28);
            float s = 0.7f * sinCycles(f * t - 8 * tau) + 0.3f * noise(seed, n);
            x[i] = (float) (env * s);
        }
    }

    /** Flute: near-pure harmonic tone with 5 Hz vibrato, steady. */
    private static void flute(double p, int rate, long start, float[] x) {
        double f0 = 520 * p, depth = f0 * 0.012 / (2 * Math.PI * 5);
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double c = f0 * t + depth * sinCycles(5 * t);
            x[i] = (sinCycles(c) + 0.3f * sinCycles(2 * c) + 0.1f * sinCycles(3 * c)) / 1.4f * 0.8f;
        }
    }

    /** Siren: frequency sweep around 900 Hz at 1.5 Hz. */
    private static void siren(double p, double ph, int rate, long start, float[] x) {
        double fc = 900 * p, r = 1.5, d = 0.3;
        double depth = fc * d / (2 * Math.PI * r);
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double c = fc * t - depth * sinCycles(r * t + ph + 0.25);
            x[i] = (sinCycles(c) + 0.2f * sinCycles(2 * c)) / 1.2f * 0.8f;
        }
    }

    /** Engine: low harmonic-rich tone, 25 Hz amplitude modulation. */
    private static void engine(double p, double ph, int rate, long start, float[] x) {
        double f0 = 70 * p;
        double[] fk = new double[13], phase = new double[13];
        for (int k = 1; k <= 12; k++) {
            fk[k] = k * f0;
            phase[k] = 0.13 * k;
        }
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            float s = 0;
            for (int k = 1; k <= 12; k++) {
                s += sinCycles(fk[k] * t + phase[k]) / k;
            }
            x[i] = (float) ((0.6 + 0.4 * sinCycles(25 * t + ph)) * s / 3.1);
        }
    }

    /** Bird: seven rising chirps a second, 2.5 -> 4 kHz. */
    private static void bird(double p, double ph, int rate, long start, float[] x) {
        double period = 1.0 / 7, dur = 0.6 * period, shift = ph * period;
        double f1 = 2500 * p, f2 = 4000 * p, sweep = f2 - f1, twoDur = 2 * dur;
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double tau = frac((t - shift) / period) * period;
            if (tau >= dur) {
                x[i] = 0f;
                continue;
            }
            double c = f1 * tau + sweep * tau * tau / twoDur;
            x[i] = (float) (sinCycles(0.5 * tau / dur) * sinCycles(c) * 0.9);
        }
    }

    /** Guitar: two plucks a second, harmonics decaying faster with order. */
    private static void guitar(double p, double ph, int rate, long start, float[] x) {
        double shift = ph * 0.5, f0 = 196 * p;
        double[] fk = new double[9];
        for (int k = 1; k <= 8; k++) {
            fk[k] = k * f0;
        }
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double tau = frac((t - shift) * 2) * 0.5;
            double s = 0, step = Math.exp(-2 * tau), env = Math.exp(-3 * tau);
            for (int k = 1; k <= 8; k++) {
                env *= step; // exp(-tau * (3 + 2k))
                s += env * sinCycles(fk[k] * t) / (k * k);
            }
            x[i] = (float) (s / 1.55);
        }
    }

    /** Voice: glottal harmonics through vowel formants (weights per harmonic), 4 Hz syllables. */
    private static void voice(double p, double ph, int rate, long start, float[] x) {
        int harmonics = (int) Math.floor(3200 / (130 * p));
        double[] w = new double[harmonics];
        for (int i = 1; i <= harmonics; i++) {
            double fk = i * 130 * p;
            w[i - 1] = formant(fk, 700) + 0.7 * formant(fk, 1200) + 0.4 * formant(fk, 2600);
        }
        double base = 130 * p;
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double f0 = base * (1 + 0.03 * sinCycles(0.7 * t));
            double s = 0;
            double c = f0 * t;
            for (int k = 1; k <= harmonics; k++) {
                s += w[k - 1] * sinCycles(k * c);
            }
            double syl = 0.5 + 0.5 * sinCycles(4 * t + ph);
            x[i] = (float) (syl * s / 3.0);
        }
    }

    /** Wind: noise band 300-900 Hz as a sum of fixed random partials (frequency, phase), slow swell. */
    private static void wind(double p, double ph, long seed, int rate, long start, float[] x) {
        double[] freq = new double[24], phase = new double[24];
        for (int k = 0; k < 24; k++) {
            freq[k] = (300 + 600 * (noise(seed, k) * 0.5 + 0.5)) * p;
            phase[k] = noise(seed + 1, k);
        }
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            double s = 0;
            for (int k = 0; k < 24; k++) {
                s += sinCycles(freq[k] * t + phase[k]);
            }
            x[i] = (float) ((0.6 + 0.4 * sinCycles(0.4 * t + ph)) * s / 8);
        }
    }

    /** Clicks: random impulses, about 20 a second, each a 2 ms decaying burst. */
    private static void clicks(long seed, int rate, long start, float[] x) {
        for (int i = 0; i < x.length; i++) {
            long n = start + i;
            double t = (double) n / rate;
            long slot = (long) Math.floor(t / 0.005);
            if (noise(seed + 7, slot) < 0.8f) {
                x[i] = 0f;
                continue;
            }
            double tau = t - slot * 0.005;
            x[i] = (float) (Math.exp(-tau * 1500) * noise(seed, n) * 0.9);
        }
    }

    /** Hum: mains hum at 50 Hz with harmonics. */
    private static void hum(double p, int rate, long start, float[] x) {
        double f0 = 50 * p, f1 = 2 * f0, f2 = 3 * f0, f3 = 4 * f0;
        for (int i = 0; i < x.length; i++) {
            double t = (double) (start + i) / rate;
            x[i] = (sinCycles(f0 * t) + 0.5f * sinCycles(f1 * t) + 0.3f * sinCycles(f2 * t)
                    + 0.2f * sinCycles(f3 * t)) / 2.0f;
        }
    }

    private static double formant(double f, double centre) {
        double d = (f - centre) / 180;
        return Math.exp(-0.5 * d * d);
    }

    private static double frac(double x) {
        return x - Math.floor(x);
    }
}
