package cpm.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrogramTest {

    @Test
    void pureToneePeaksAtItsBinAndMatchesAFloat64Dft() {
        Recipe r = TestRecipes.tiny("audio.nFft", 512, "audio.hop", 160, "audio.frames", 0, "audio.bins", 0);
        int rate = 16000, n = 16000;
        float[] x = new float[2 * n];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.sin(2 * Math.PI * 1000 * i / rate); // item 0: 1 kHz tone
            x[n + i] = (float) (rng.nextDouble() * 2 - 1);          // item 1: white noise
        }
        Spectrogram spec = new Spectrogram(r);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mag = spec.magnitude(m.create(x, new Shape(2, 1, n)));
            assertEquals(new Shape(2, 1, 101, 257), mag.getShape()); // T = 1 + S/hop, F = nFft/2 + 1
            float[] v = mag.toFloatArray();
            for (int t = 2; t < 99; t++) { // 1000 Hz * 512 / 16000 = bin 32
                int best = 0;
                for (int f = 1; f < 257; f++) {
                    if (v[t * 257 + f] > v[t * 257 + best]) {
                        best = f;
                    }
                }
                assertEquals(32, best, "frame " + t);
            }
            // interior frames against a direct DFT in double precision with the periodic Hann window
            float[] w = spec.window();
            for (int item = 0; item < 2; item++) {
                for (int t : new int[]{10, 50, 97}) {
                    for (int f : new int[]{0, 5, 31, 32, 33, 100, 256}) {
                        double re = 0, im = 0;
                        for (int k = 0; k < 512; k++) {
                            double s = x[item * n + t * 160 - 256 + k] * w[k];
                            re += s * Math.cos(2 * Math.PI * f * k / 512);
                            im -= s * Math.sin(2 * Math.PI * f * k / 512);
                        }
                        double ref = Math.hypot(re, im);
                        float got = v[(item * 101 + t) * 257 + f];
                        assertEquals(ref, got, 1e-3 * Math.max(1, ref), "item " + item + " t " + t + " f " + f);
                    }
                }
            }
        }
    }

    @Test
    void backboneInputIsLogCompressedAndResized() {
        Recipe r = TestRecipes.tiny("audio.scale", "log", "audio.frames", 0, "audio.bins", 0);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] a = {0f, 1f, 3f, 10f, 0.5f, 2f};
            NDArray mag = m.create(a, new Shape(1, 1, 2, 3));
            float[] got = new Spectrogram(r).toBackboneInput(mag).toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(Math.log1p(a[i]), got[i], 1e-6);
            }
            Recipe rs = TestRecipes.tiny("audio.scale", "magnitude", "audio.frames", 4, "audio.bins", 6);
            NDArray up = new Spectrogram(rs).toBackboneInput(mag);
            assertEquals(new Shape(1, 1, 4, 6), up.getShape());
            // a 2x bilinear upsample (half-pixel centres) keeps the mean of a linear ramp
            float[] u = up.toFloatArray();
            double mean = 0;
            for (float f : u) {
                mean += f / u.length;
            }
            assertTrue(Math.abs(mean - (0 + 1 + 3 + 10 + 0.5 + 2) / 6.0) < 1.0, "mean " + mean);
            assertEquals(0f, u[0], 1e-6); // the corner stays the corner value
        }
    }

    @Test
    void ratioMaskIsWithinZeroOneAndZeroWhereTheMixtureIsSilent() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 500;
        float[] a = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i % 7 == 0 ? 0f : (float) rng.nextDouble() * 2;
            b[i] = i % 11 == 0 ? 0f : (float) rng.nextDouble() * 2;
            if (i % 13 == 0) {
                a[i] = 1e-5f;
                b[i] = 1e-5f;
            }
        }
        float gain = 0.7f, eps = 1e-3f;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ai = m.create(a), aj = m.create(b);
            NDArray ap = AudioMixture.mix(ai, aj, gain);
            NDArray mask = AudioMixture.ratioMask(ai, ap, eps);
            float[] p = ap.toFloatArray(), k = mask.toFloatArray();
            for (int i = 0; i < n; i++) {
                float mix = a[i] + gain * b[i];
                assertEquals(mix, p[i], 1e-6);
                assertTrue(k[i] >= 0 && k[i] <= 1, "mask " + k[i]);
                float expect = mix < eps ? 0f : Math.min(1f, a[i] / mix);
                assertEquals(expect, k[i], 1e-6, "bin " + i);
            }
            // a_j = 0 gives a mask of 1 wherever the clean audio is audible
            float[] ones = AudioMixture.ratioMask(ai, AudioMixture.mix(ai, m.zeros(ai.getShape()), gain), eps).toFloatArray();
            for (int i = 0; i < n; i++) {
                assertEquals(a[i] < eps ? 0f : 1f, ones[i], 1e-6);
            }
            assertArrayEquals(new long[]{n}, mask.getShape().getShape());
        }
    }
}
