package cpm.data;

/**
 * The straightforward renderers as they were before the first-epoch speed work (commit a877b45), kept as the
 * slow path the fast ones are compared with bit for bit (FastRenderTest) and timed against (bench/notes-epoch.md): one
 * per-sample formula with a switch over sound types, and the bilinear crop with a loop over every tap.
 */
final class ReferenceRender {

    private ReferenceRender() {
    }

    /** Adds {@code gain} x the voice over samples [start, start+len) of absolute time into out[off..]. */
    static void render(SynthSounds.Voice v, int rate, long start, int len, float gain, float[] out, int off) {
        double p = v.pitch(), ph = v.phase();
        double[] pre = precompute(v.type(), p, v.seed());
        for (int i = 0; i < len; i++) {
            long n = start + i;
            double t = (double) n / rate;
            float x = sample(v.type(), p, ph, v.seed(), t, n, pre);
            out[off + i] += gain * Math.max(-1f, Math.min(1f, x)); // rare peaks of many-partial sounds
        }
    }

    /** Per-voice constants: voice formant weights per harmonic, wind partial frequencies and phases. */
    private static double[] precompute(int type, double p, long seed) {
        if (type == 8) {
            int k = (int) Math.floor(3200 / (130 * p));
            double[] w = new double[k];
            for (int i = 1; i <= k; i++) {
                double fk = i * 130 * p;
                w[i - 1] = formant(fk, 700) + 0.7 * formant(fk, 1200) + 0.4 * formant(fk, 2600);
            }
            return w;
        }
        if (type == 9) {
            double[] w = new double[48];
            for (int k = 0; k < 24; k++) {
                w[2 * k] = (300 + 600 * (SynthSounds.noise(seed, k) * 0.5 + 0.5)) * p;
                w[2 * k + 1] = SynthSounds.noise(seed + 1, k);
            }
            return w;
        }
        return null;
    }

    private static float sample(int type, double p, double ph, long seed, double t, long n, double[] pre) {
        switch (type) {
            case 1: { // bell: inharmonic partials, struck once a second, exponential decay
                double tau = frac(t - ph);
                double f0 = 880 * p;
                float s = SynthSounds.sinCycles(f0 * t) + 0.6f * SynthSounds.sinCycles(2.0 * f0 * t)
                        + 0.4f * SynthSounds.sinCycles(2.76 * f0 * t) + 0.25f * SynthSounds.sinCycles(5.4 * f0 * t);
                return (float) (Math.exp(-4 * tau) * s / 2.25);
            }
            case 2: { // drum: four onsets a second, low thump plus noise burst
                double tau = frac((t - ph * 0.25) * 4) * 0.25;
                double env = Math.exp(-tau * 28);
                float s = 0.7f * SynthSounds.sinCycles(95 * p * t - 8 * tau) + 0.3f * SynthSounds.noise(seed, n);
                return (float) (env * s);
            }
            case 3: { // flute: near-pure harmonic tone with 5 Hz vibrato, steady
                double f0 = 520 * p;
                double c = f0 * t + f0 * 0.012 / (2 * Math.PI * 5) * SynthSounds.sinCycles(5 * t);
                return (SynthSounds.sinCycles(c) + 0.3f * SynthSounds.sinCycles(2 * c)
                        + 0.1f * SynthSounds.sinCycles(3 * c)) / 1.4f * 0.8f;
            }
            case 4: { // siren: frequency sweep around 900 Hz at 1.5 Hz
                double fc = 900 * p, r = 1.5, d = 0.3;
                double c = fc * t - fc * d / (2 * Math.PI * r) * SynthSounds.sinCycles(r * t + ph + 0.25);
                return (SynthSounds.sinCycles(c) + 0.2f * SynthSounds.sinCycles(2 * c)) / 1.2f * 0.8f;
            }
            case 5: { // engine: low harmonic-rich tone, 25 Hz amplitude modulation
                double f0 = 70 * p;
                float s = 0;
                for (int k = 1; k <= 12; k++) {
                    s += SynthSounds.sinCycles(k * f0 * t + 0.13 * k) / k;
                }
                return (float) ((0.6 + 0.4 * SynthSounds.sinCycles(25 * t + ph)) * s / 3.1);
            }
            case 6: { // bird: seven rising chirps a second, 2.5 -> 4 kHz
                double period = 1.0 / 7, dur = 0.6 * period;
                double tau = frac((t - ph * period) / period) * period;
                if (tau >= dur) {
                    return 0f;
                }
                double f1 = 2500 * p, f2 = 4000 * p;
                double c = f1 * tau + (f2 - f1) * tau * tau / (2 * dur);
                return (float) (SynthSounds.sinCycles(0.5 * tau / dur) * SynthSounds.sinCycles(c) * 0.9);
            }
            case 7: { // guitar: two plucks a second, harmonics decaying faster with order
                double tau = frac((t - ph * 0.5) * 2) * 0.5;
                double f0 = 196 * p;
                double s = 0, step = Math.exp(-2 * tau), env = Math.exp(-3 * tau);
                for (int k = 1; k <= 8; k++) {
                    env *= step; // exp(-tau * (3 + 2k))
                    s += env * SynthSounds.sinCycles(k * f0 * t) / (k * k);
                }
                return (float) (s / 1.55);
            }
            case 8: { // voice: glottal harmonics through vowel formants, 4 Hz syllables
                double f0 = 130 * p * (1 + 0.03 * SynthSounds.sinCycles(0.7 * t));
                double s = 0;
                double c = f0 * t;
                for (int k = 1; k <= pre.length; k++) {
                    s += pre[k - 1] * SynthSounds.sinCycles(k * c);
                }
                double syl = 0.5 + 0.5 * SynthSounds.sinCycles(4 * t + ph);
                return (float) (syl * s / 3.0);
            }
            case 9: { // wind: noise band 300-900 Hz as a sum of fixed random partials, slow swell
                double s = 0;
                for (int k = 0; k < 24; k++) {
                    s += SynthSounds.sinCycles(pre[2 * k] * t + pre[2 * k + 1]);
                }
                return (float) ((0.6 + 0.4 * SynthSounds.sinCycles(0.4 * t + ph)) * s / 8);
            }
            case 10: { // clicks: random impulses, about 20 a second, each a 2 ms decaying burst
                long slot = (long) Math.floor(t / 0.005);
                if (SynthSounds.noise(seed + 7, slot) < 0.8f) {
                    return 0f;
                }
                double tau = t - slot * 0.005;
                return (float) (Math.exp(-tau * 1500) * SynthSounds.noise(seed, n) * 0.9);
            }
            case 11: { // hum: mains hum at 50 Hz with harmonics
                double f0 = 50 * p;
                return (SynthSounds.sinCycles(f0 * t) + 0.5f * SynthSounds.sinCycles(2 * f0 * t)
                        + 0.3f * SynthSounds.sinCycles(3 * f0 * t) + 0.2f * SynthSounds.sinCycles(4 * f0 * t)) / 2.0f;
            }
            default:
                throw new IllegalArgumentException("sound type " + type);
        }
    }

    private static double formant(double f, double centre) {
        double d = (f - centre) / 180;
        return Math.exp(-0.5 * d * d);
    }

    private static double frac(double x) {
        return x - Math.floor(x);
    }

    static float[] resizeBilinear(float[] src, int c, int h, int w, double x0, double y0, double cw, double chh,
                                 int oh, int ow, boolean flip) {
        Images.Weights wx = Images.weights(w, x0, cw, ow, flip), wy = Images.weights(h, y0, chh, oh, false);
        float[] out = new float[c * oh * ow];
        float[] row = new float[ow];
        for (int k = 0; k < c; k++) {
            int base = k * h * w;
            for (int y = 0; y < oh; y++) {
                java.util.Arrays.fill(row, 0f);
                for (int j = 0; j < wy.w()[y].length; j++) {
                    float a = wy.w()[y][j];
                    int sb = base + (wy.start()[y] + j) * w;
                    for (int x = 0; x < ow; x++) {
                        float[] ww = wx.w()[x];
                        int s0 = sb + wx.start()[x];
                        float acc = 0;
                        for (int i = 0; i < ww.length; i++) {
                            acc += ww[i] * src[s0 + i];
                        }
                        row[x] += a * acc;
                    }
                }
                System.arraycopy(row, 0, out, k * oh * ow + y * ow, ow);
            }
        }
        return out;
    }
}
