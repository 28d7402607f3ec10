package cpm.data;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The fast renderers against the straightforward ones they replaced ({@link ReferenceRender}), bit for bit, on
 * random inputs: every sound type with random pitch, phase, seed, start (from time 0 on), length, offset and
 * gain, at two sample rates, added into random values (both add into what is there); and bilinear crops that
 * upsample (two taps), downsample, mirror and reach past the image's edge.
 */
class FastRenderTest {

    @Test
    void everySoundTypeEqualsThePerSampleFormula() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int type = 1; type <= SynthSounds.TYPES; type++) {
            for (int k = 0; k < 6; k++) {
                SynthSounds.Voice v = new SynthSounds.Voice(type, 0.92 + 0.16 * rng.nextDouble(), rng.nextDouble(),
                        rng.nextLong());
                int rate = k % 2 == 0 ? 16000 : 22050;
                long start = k == 0 ? 0 : rng.nextInt(60 * rate);
                int len = 1 + rng.nextInt(3000), off = rng.nextInt(7);
                float gain = (float) rng.nextDouble();
                float[] fast = new float[len + off], slow = new float[len + off];
                for (int i = 0; i < fast.length; i++) {
                    fast[i] = slow[i] = (float) rng.nextDouble(-0.1, 0.1);
                }
                SynthSounds.render(v, rate, start, len, gain, fast, off);
                ReferenceRender.render(v, rate, start, len, gain, slow, off);
                assertBits(slow, fast, "type " + type + " " + v + " rate " + rate + " start " + start);
            }
        }
    }

    @Test
    void bilinearCropsEqualTheLoopOverEveryTap() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int k = 0; k < 60; k++) {
            int c = 1 + rng.nextInt(3), h = 5 + rng.nextInt(60), w = 5 + rng.nextInt(60);
            float[] src = new float[c * h * w];
            for (int i = 0; i < src.length; i++) {
                src[i] = (float) rng.nextDouble(-1, 1);
            }
            // crops from a tenth of the side (upsampled: two taps) to past the image (downsampled, edges)
            double cw = w * (0.1 + 1.1 * rng.nextDouble()), ch = h * (0.1 + 1.1 * rng.nextDouble());
            double x0 = (w - cw) * rng.nextDouble(), y0 = (h - ch) * rng.nextDouble();
            int oh = 3 + rng.nextInt(80), ow = 3 + rng.nextInt(80);
            boolean flip = rng.nextBoolean();
            assertBits(ReferenceRender.resizeBilinear(src, c, h, w, x0, y0, cw, ch, oh, ow, flip),
                    Images.resizeBilinear(src, c, h, w, x0, y0, cw, ch, oh, ow, flip),
                    String.format("%dx%dx%d crop %.2f,%.2f %.2fx%.2f to %dx%d flip %b", c, h, w, x0, y0, cw, ch, oh,
                            ow, flip));
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        int[] e = new int[expected.length], a = new int[actual.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Float.floatToRawIntBits(expected[i]);
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.floatToRawIntBits(actual[i]);
        }
        assertArrayEquals(e, a, what);
    }
}
