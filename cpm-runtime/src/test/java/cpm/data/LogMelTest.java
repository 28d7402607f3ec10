package cpm.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log-mel front-end (audio.frontEnd logmel) against a float64 computation written another way: mel by the
 * natural-log form of the HTK formula, triangles by cases, a direct DFT with a 400-sample Hann window placed by
 * hand in the 512-point frame.
 */
class LogMelTest {

    static final int RATE = 16000, NFFT = 512, WIN = 400, HOP = 160, BANDS = 64;
    static final double F_MIN = 125, F_MAX = 3800;

    static Recipe cavp() {
        return TestRecipes.tiny("audio.frontEnd", "logmel", "audio.nFft", NFFT, "audio.winLength", WIN,
                "audio.hop", HOP, "audio.melBands", BANDS, "audio.melMin", F_MIN, "audio.melMax", F_MAX,
                "audio.frames", 0, "audio.bins", 0);
    }

    /** The band corners in Hz, mel = 1127 ln(1 + f/700) (the HTK formula with a natural log). */
    static double[] corners() {
        double lo = 1127 * Math.log1p(F_MIN / 700), hi = 1127 * Math.log1p(F_MAX / 700);
        double[] c = new double[BANDS + 2];
        for (int i = 0; i < c.length; i++) {
            c[i] = 700 * Math.expm1((lo + (hi - lo) * i / (BANDS + 1)) / 1127);
        }
        return c;
    }

    /** Weight of band m at frequency f: a triangle over corners m, m+1, m+2, by cases. */
    static double triangle(double[] c, int m, double f) {
        if (f <= c[m] || f >= c[m + 2]) {
            return 0;
        }
        return f <= c[m + 1] ? (f - c[m]) / (c[m + 1] - c[m]) : (c[m + 2] - f) / (c[m + 2] - c[m + 1]);
    }

    @Test
    void filterbankMatchesTheTriangleFormula() {
        float[] fb = LogMel.filterbank(NFFT / 2 + 1, RATE, BANDS, F_MIN, F_MAX);
        double[] c = corners();
        assertEquals(125.0, c[0], 1e-9);
        assertEquals(3800.0, c[BANDS + 1], 1e-6);
        for (int k = 0; k <= NFFT / 2; k++) {
            double f = k * (double) RATE / NFFT;
            for (int m = 0; m < BANDS; m++) {
                assertEquals(triangle(c, m, f), fb[k * BANDS + m], 1e-6, "bin " + k + " band " + m);
            }
        }
        // below fMin and above fMax nothing is kept
        for (int m = 0; m < BANDS; m++) {
            assertEquals(0f, fb[3 * BANDS + m]);     // 93.75 Hz
            assertEquals(0f, fb[130 * BANDS + m]);   // 4062.5 Hz
        }
    }

    @Test
    void pureToneLandsInItsBandAndValuesMatchADirectDft() {
        double tone = 1000; // bin 32 exactly
        int n = RATE;
        float[] x = new float[2 * n];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.5 * Math.sin(2 * Math.PI * tone * i / RATE)); // item 0: the tone
            x[n + i] = (float) (rng.nextDouble() - 0.5);                      // item 1: white noise (not stationary
        }                                                                     // per frame: the window's place shows)
        double[] c = corners();
        int expectedBand = 0; // the band whose triangle weighs the tone most
        for (int m = 1; m < BANDS; m++) {
            if (triangle(c, m, tone) > triangle(c, expectedBand, tone)) {
                expectedBand = m;
            }
        }
        assertTrue(c[expectedBand] < tone && tone < c[expectedBand + 2], "the band contains the tone");
        Spectrogram spec = new Spectrogram(cavp());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mag = spec.magnitude(m.create(x, new Shape(2, 1, n)));
            assertEquals(new Shape(2, 1, 101, NFFT / 2 + 1), mag.getShape(), "ACP's magnitudes stay linear |STFT|");
            NDArray in = spec.toBackboneInput(mag);
            assertEquals(new Shape(2, 1, 101, BANDS), in.getShape());
            float[] v = in.toFloatArray();
            for (int t = 2; t < 99; t++) {
                int best = 0;
                for (int b = 1; b < BANDS; b++) {
                    if (v[t * BANDS + b] > v[t * BANDS + best]) {
                        best = b;
                    }
                }
                assertEquals(expectedBand, best, "frame " + t);
            }
            // interior frames: direct DFT, power, triangles, 20 log10, [-100, 100] dB to [-1, 1]
            for (int item = 0; item < 2; item++) for (int t : new int[] {10, 50, 97}) {
                double[] power = new double[NFFT / 2 + 1];
                for (int k = 0; k <= NFFT / 2; k++) {
                    double re = 0, im = 0;
                    for (int j = 0; j < WIN; j++) { // the window's samples sit at 56..455 of the 512-sample frame
                        int at = t * HOP - NFFT / 2 + (NFFT - WIN) / 2 + j;
                        double s = x[item * n + at] * (0.5 - 0.5 * Math.cos(2 * Math.PI * j / WIN));
                        double phase = 2 * Math.PI * k * ((NFFT - WIN) / 2 + j) / NFFT;
                        re += s * Math.cos(phase);
                        im -= s * Math.sin(phase);
                    }
                    power[k] = re * re + im * im;
                }
                for (int b = 0; b < BANDS; b++) {
                    double e = 0;
                    for (int k = 0; k <= NFFT / 2; k++) {
                        e += power[k] * triangle(c, b, k * (double) RATE / NFFT);
                    }
                    double db = 20 * Math.log10(Math.max(e, 1e-5));
                    double want = (db + 100) / 100 - 1;
                    assertEquals(want, v[(item * 101 + t) * BANDS + b], 2e-4 * Math.max(1, Math.abs(want)),
                            "item " + item + " frame " + t + " band " + b);
                }
            }
            // silence sits on the floor: 20 log10(1e-5) = -100 dB, i.e. -1
            float[] quiet = spec.toBackboneInput(spec.magnitude(m.zeros(new Shape(1, 1, 1600)))).toFloatArray();
            for (float q : quiet) {
                assertEquals(-1f, q, 1e-6f);
            }
        }
    }

    @Test
    void theBackboneSizeFollowsTheMelBands() {
        Recipe r = TestRecipes.tiny("audio.frontEnd", "logmel", "audio.melBands", 40, "audio.frames", 0,
                "audio.bins", 0);
        try (NDManager m = NDManager.newBaseManager()) {
            Spectrogram spec = new Spectrogram(r);
            NDArray in = spec.toBackboneInput(spec.magnitude(m.zeros(new Shape(2, 1, 1600))));
            assertEquals(40, in.getShape().get(3));
            Recipe resized = TestRecipes.tiny("audio.frontEnd", "logmel", "audio.frames", 8, "audio.bins", 16);
            Spectrogram s2 = new Spectrogram(resized);
            assertEquals(new Shape(2, 1, 8, 16),
                    s2.toBackboneInput(s2.magnitude(m.zeros(new Shape(2, 1, 1600)))).getShape());
        }
    }
}
