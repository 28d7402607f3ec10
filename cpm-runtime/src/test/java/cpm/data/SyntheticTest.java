package cpm.data;

import cpm.dsl.SyntheticCatalog;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticTest {

    static SyntheticDataset data(String preset, String split, long seed, int clips) {
        return new SyntheticDataset(preset, split, seed, clips, 5, 96, 16000, 1.0);
    }

    @Test
    void sameSeedSameBytesAndSplitsNeverShareItems() {
        SyntheticDataset a = data("semantic", "train", 7, 30), b = data("semantic", "train", 7, 30);
        for (int i : new int[]{0, 13, 149}) {
            Sample x = a.get(i), y = b.get(i);
            assertArrayEquals(x.rgb(), y.rgb());
            assertArrayEquals(x.label(), y.label());
            assertArrayEquals(x.audio(), y.audio());
            assertArrayEquals(x.tags(), y.tags());
        }
        // frames generated out of order equal frames generated in order
        SyntheticDataset c = data("semantic", "train", 7, 30);
        c.get(42);
        assertArrayEquals(a.get(40).audio(), c.get(40).audio());
        Set<Integer> train = new HashSet<>();
        for (int k = 0; k < 30; k++) {
            train.add(Arrays.hashCode(a.get(k * 5).rgb()));
        }
        SyntheticDataset test = data("semantic", "test", 7, 30), other = data("semantic", "train", 8, 30);
        for (int k = 0; k < 30; k++) {
            assertFalse(train.contains(Arrays.hashCode(test.get(k * 5).rgb())), "test clip " + k + " is a train clip");
            assertFalse(train.contains(Arrays.hashCode(other.get(k * 5).rgb())), "seed 8 clip " + k + " equals seed 7");
        }
    }

    @Test
    void labelsMarkExactlyTheSoundingObjectsAndTagsAgree() {
        int silentDistractors = 0, changes = 0;
        for (String preset : new String[]{"ss", "ms", "semantic", "stereo"}) {
            SyntheticDataset d = data(preset, "train", 11, 16);
            assertEquals(SyntheticCatalog.classNames(preset), d.classes());
            assertEquals(preset.equals("stereo") ? 2 : 1, d.channels());
            for (int clip = 0; clip < 16; clip++) {
                SynthScene s = d.scene(clip);
                assertTrue(s.objects.size() >= 1 && s.objects.size() <= 4);
                for (int f = 0; f < 5; f++) {
                    Sample x = d.get(clip * 5 + f);
                    long sounding = s.objects.stream().filter(o -> o.sounding()[x.frame()]).count();
                    switch (preset) {
                        case "ss" -> assertEquals(1, sounding);
                        case "ms" -> assertTrue(sounding >= 2 && sounding <= 3, "ms sounding " + sounding);
                        default -> assertTrue(sounding >= 1 && sounding <= 3, preset + " sounding " + sounding);
                    }
                    silentDistractors += s.objects.size() - sounding;
                    if (f > 0 && !Arrays.equals(s.semanticTags(f), s.semanticTags(f - 1))) {
                        changes++;
                    }
                    assertFalse(x.tags()[0]);
                    boolean[] present = new boolean[d.classes().size()];
                    for (int v : x.label()) {
                        present[v] = true;
                    }
                    for (int c = 1; c < present.length; c++) {
                        assertTrue(!present[c] || x.tags()[c], preset + ": class " + c + " labelled but silent");
                    }
                    for (float v : x.rgb()) {
                        assertTrue(v >= 0 && v <= 1);
                    }
                    for (float v : x.audio()) {
                        assertTrue(v >= -1 && v <= 1);
                    }
                    assertEquals(16000 * x.channels(), x.audio().length);
                }
            }
        }
        assertTrue(silentDistractors > 30, "silent distractors " + silentDistractors);
        assertTrue(changes > 10, "sounding changes between seconds " + changes);
    }

    @Test
    void eachClassSoundsDifferentlyFromEveryOther() {
        // mean band spectrum of every class over several instances; nearest centroid on fresh instances
        int rate = 16000, n = 4096;
        double[][] centroid = new double[9][];
        for (int cls = 1; cls <= 8; cls++) {
            centroid[cls] = profile(cls, 1000, 6, rate, n);
        }
        for (int cls = 1; cls <= 8; cls++) {
            double[] p = profile(cls, 5000, 1, rate, n);
            int best = nearest(p, centroid);
            assertEquals(cls, best, "class " + SyntheticCatalog.SEMANTIC.get(cls) + " sounds like " + SyntheticCatalog.SEMANTIC.get(best));
        }
    }

    @Test
    void theAudioOfAFrameTellsWhichClassSounds() {
        // a nearest-centroid classifier fitted on training frames' audio (sound + background noise) recovers
        // the sounding class of single-source test frames: the audio carries the information the labels need
        double[][] centroid = new double[9][64];
        int[] count = new int[9];
        SyntheticDataset tr = data("ss", "train", 21, 120);
        for (int clip = 0; clip < 120; clip++) {
            boolean[] tags = tr.scene(clip).semanticTags(0);
            int cls = 1;
            while (!tags[cls]) {
                cls++;
            }
            double[] p = bandProfile(tr.audio(clip * 5));
            for (int i = 0; i < 64; i++) {
                centroid[cls][i] += p[i];
            }
            count[cls]++;
        }
        for (int cls = 1; cls <= 8; cls++) {
            for (int i = 0; i < 64; i++) {
                centroid[cls][i] /= Math.max(1, count[cls]);
            }
        }
        SyntheticDataset d = data("ss", "test", 21, 40);
        int right = 0;
        for (int clip = 0; clip < 40; clip++) {
            boolean[] tags = d.scene(clip).semanticTags(0);
            float[] a = d.audio(clip * 5);
            double[] p = bandProfile(a);
            int best = nearest(p, centroid);
            right += tags[best] ? 1 : 0;
        }
        assertTrue(right >= 36, "sounding class recovered from audio in " + right + " of 40 frames");
    }

    private static double[] bandProfile(float[] x) {
        double[] re = new double[16384], im = new double[16384], bands = new double[64];
        for (int i = 0; i < Math.min(16000, x.length); i++) {
            re[i] = x[i];
        }
        fft(re, im);
        for (int f = 1; f < 8192; f++) { // 64 log-spaced bands from 40 Hz to 8 kHz
            double hz = f * 16000.0 / 16384;
            int b = (int) Math.floor(64 * Math.log(Math.max(hz, 40) / 40) / Math.log(200));
            bands[Math.max(0, Math.min(63, b))] += re[f] * re[f] + im[f] * im[f];
        }
        double total = java.util.Arrays.stream(bands).sum();
        for (int b = 0; b < 64; b++) {
            bands[b] = Math.log(1e-4 + bands[b] / total);
        }
        return bands;
    }

    /** Log energies in 64 bands of 125 Hz of one second of a class's sound, averaged over instances. */
    private static double[] profile(int cls, long seed0, int instances, int rate, int n) {
        double[] bands = new double[64];
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed0 + cls);
        for (int k = 0; k < instances; k++) {
            float[] x = new float[rate];
            SynthSounds.render(new SynthSounds.Voice(cls, 0.92 + 0.16 * r.nextDouble(), r.nextDouble(), r.nextLong()),
                    rate, r.nextInt(10) * (long) rate, rate, 1f, x, 0);
            double[] re = new double[16384], im = new double[16384];
            for (int i = 0; i < 16000; i++) {
                re[i] = x[i];
            }
            fft(re, im);
            for (int f = 0; f < 8192; f++) { // bin f is f * 16000 / 16384 Hz
                int b = Math.min(63, (int) (f * (double) rate / 16384 / 125));
                bands[b] += (re[f] * re[f] + im[f] * im[f]);
            }
        }
        double total = java.util.Arrays.stream(bands).sum();
        for (int b = 0; b < 64; b++) { // log share of the energy, floored at -40 dB
            bands[b] = Math.log(1e-4 + bands[b] / total);
        }
        return bands;
    }

    /** In-place iterative radix-2 FFT (length a power of two). */
    static void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i]; re[i] = re[j]; re[j] = t;
                t = im[i]; im[i] = im[j]; im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double ang = -2 * Math.PI / len;
            for (int i = 0; i < n; i += len) {
                for (int k = 0; k < len / 2; k++) {
                    double wr = Math.cos(ang * k), wi = Math.sin(ang * k);
                    double ur = re[i + k], ui = im[i + k];
                    double vr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
                    double vi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
                    re[i + k] = ur + vr; im[i + k] = ui + vi;
                    re[i + k + len / 2] = ur - vr; im[i + k + len / 2] = ui - vi;
                }
            }
        }
    }

    @Test
    void stereoPansEachSourceByItsHorizontalPosition() {
        SyntheticDataset d = data("stereo", "test", 3, 60);
        int checked = 0, twins = 0;
        for (int clip = 0; clip < 60; clip++) {
            SynthScene s = d.scene(clip);
            long clsCount = s.objects.stream().mapToInt(SynthScene.Obj::cls).distinct().count();
            if (clsCount < s.objects.size()) {
                twins++;
                // only one of the two instances is labelled in frame 0 when only one sounds
            }
            var sounding = s.objects.stream().filter(o -> o.sounding()[0]).toList();
            if (sounding.size() != 1 || s.snrDb < 15) {
                continue;
            }
            float[] a = d.get(clip * 5).audio();
            double l = 0, rr = 0;
            for (int i = 0; i < 16000; i++) {
                l += a[i] * a[i];
                rr += a[16000 + i] * a[16000 + i];
            }
            double theta = sounding.get(0).x(0) * Math.PI / 2;
            double expect = Math.sin(theta) * Math.sin(theta); // right share of the power
            assertEquals(expect, rr / (l + rr), 0.05, "clip " + clip);
            checked++;
        }
        assertTrue(checked >= 5, "single-source stereo clips checked " + checked);
        assertTrue(twins >= 5, "clips with two instances of one class " + twins);
    }

    @Test
    void aFrameAt96PixelsTakesAFewMilliseconds() {
        SyntheticDataset d = data("semantic", "train", 1, 400);
        for (int i = 0; i < 50; i++) {
            d.get(i * 7);
        }
        long t0 = System.nanoTime();
        int n = 200;
        for (int i = 0; i < n; i++) {
            d.get(1000 + i * 3);
        }
        double ms = (System.nanoTime() - t0) / 1e6 / n;
        System.out.printf("synthetic frame 96x96 + 1 s audio: %.2f ms%n", ms);
        assertTrue(ms < 25, "ms per frame " + ms);
    }

    /** The class 1..8 whose centroid lies nearest to p (squared Euclidean distance). */
    private static int nearest(double[] p, double[][] centroid) {
        int best = -1;
        double bestD = Double.MAX_VALUE;
        for (int k = 1; k <= 8; k++) {
            double dist = 0;
            for (int i = 0; i < p.length; i++) {
                dist += (p[i] - centroid[k][i]) * (p[i] - centroid[k][i]);
            }
            if (dist < bestD) {
                bestD = dist;
                best = k;
            }
        }
        return best;
    }
}
