package cpm.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One clip of the synthetic benchmark (docs/datasets.md): its plan (background, objects, motion, which
 * objects sound in which second, their sounds) drawn from a seeded generator, and the rendering of any frame
 * (image, label map, tags, that second of audio) from the plan alone, so frames can be made in any order.
 */
final class SynthScene {

    /** Shape families, one per class 1..8 (bell, drum, flute, siren, engine, bird, guitar, voice). */
    enum Shape { DISC, SQUARE, BAR, TRIANGLE, CROSS, STAR, DIAMOND, RING }

    static final int CLASSES = 8;
    private static final Shape[] SHAPE_OF = {null, Shape.DISC, Shape.SQUARE, Shape.BAR, Shape.TRIANGLE, Shape.CROSS,
            Shape.STAR, Shape.DIAMOND, Shape.RING};

    /** A visible object: class, motion, look and sound, and whether it sounds in each frame. */
    record Obj(int cls, double cx, double cy, double vx, double vy, double size, double rot, double vrot,
               float hue, float sat, float val, double texScale, boolean[] sounding, SynthSounds.Voice voice,
               float loudness) {
        double x(int f) {
            return clamp01(cx + vx * f);
        }

        double y(int f) {
            return clamp01(cy + vy * f);
        }
    }

    record Clutter(boolean line, double x1, double y1, double x2, double y2, double width, float r, float g, float b) {
    }

    final String preset;
    final int frames;
    final long noiseSeed;
    final double snrDb;
    final List<Obj> objects = new ArrayList<>();
    final List<Clutter> clutter = new ArrayList<>();
    // background: two colours along a direction, plus value noise on a coarse grid
    final float[] colA = new float[3], colB = new float[3];
    final double bgAngle;
    final float[] grid;
    final int gridN = 7;
    final float noiseAmp;

    SynthScene(String preset, int frames, SplittableRandom rng) {
        this.preset = preset;
        this.frames = frames;
        this.noiseSeed = rng.nextLong();
        this.snrDb = 8 + 20 * rng.nextDouble();
        float h0 = (float) rng.nextDouble();
        hsv(h0, 0.15f + 0.2f * (float) rng.nextDouble(), 0.35f + 0.4f * (float) rng.nextDouble(), colA);
        hsv(h0 + 0.1f + 0.3f * (float) rng.nextDouble(), 0.1f + 0.2f * (float) rng.nextDouble(),
                0.3f + 0.5f * (float) rng.nextDouble(), colB);
        bgAngle = rng.nextDouble() * 2 * Math.PI;
        grid = new float[gridN * gridN];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        noiseAmp = 0.04f + 0.06f * (float) rng.nextDouble();
        int nClutter = 2 + rng.nextInt(4);
        for (int i = 0; i < nClutter; i++) {
            float v = 0.2f + 0.6f * (float) rng.nextDouble(), s = 0.15f * (float) rng.nextDouble();
            float[] c = new float[3];
            hsv((float) rng.nextDouble(), s, v, c);
            boolean line = rng.nextBoolean();
            clutter.add(new Clutter(line, rng.nextDouble(), rng.nextDouble(), rng.nextDouble(), rng.nextDouble(),
                    line ? 0.005 + 0.012 * rng.nextDouble() : 0.03 + 0.06 * rng.nextDouble(), c[0], c[1], c[2]));
        }
        planObjects(rng);
    }

    private void planObjects(SplittableRandom rng) {
        int minS, maxS;
        switch (preset) {
            case "ss" -> { minS = 1; maxS = 1; }
            case "ms" -> { minS = 2; maxS = 3; }
            default -> { minS = 1; maxS = 3; }
        }
        int nSound = minS + rng.nextInt(maxS - minS + 1);
        boolean twin = preset.equals("stereo") && rng.nextDouble() < 0.4;
        int nVisible = Math.max(nSound + (twin ? 1 : 0), 1 + rng.nextInt(4));
        if (nVisible > 4) {
            nVisible = 4;
            nSound = Math.min(nSound, 4 - (twin ? 1 : 0));
        }
        // distinct classes for every object except the stereo twin
        int[] perm = permutation(rng, CLASSES);
        int distinct = nVisible - (twin ? 1 : 0);
        List<double[]> placed = new ArrayList<>();
        boolean[][] sounding = new boolean[nVisible][frames];
        for (int i = 0; i < nSound; i++) {
            java.util.Arrays.fill(sounding[i], true);
        }
        // sounding may change from one second to the next; the twin (last object) never sounds
        for (int f = 1; f < frames; f++) {
            for (int i = 0; i < distinct; i++) {
                sounding[i][f] = sounding[i][f - 1];
            }
            if (rng.nextDouble() < 0.25) {
                List<Integer> on = new ArrayList<>(), off = new ArrayList<>();
                for (int i = 0; i < distinct; i++) {
                    (sounding[i][f] ? on : off).add(i);
                }
                boolean canStop = on.size() > minS, canStart = !off.isEmpty() && on.size() < maxS;
                if (canStop && (!canStart || rng.nextBoolean())) {
                    sounding[on.get(rng.nextInt(on.size()))][f] = false;
                } else if (canStart) {
                    sounding[off.get(rng.nextInt(off.size()))][f] = true;
                } else if (!off.isEmpty()) { // swap which object sounds
                    sounding[on.get(rng.nextInt(on.size()))][f] = false;
                    sounding[off.get(rng.nextInt(off.size()))][f] = true;
                }
            }
        }
        for (int i = 0; i < nVisible; i++) {
            boolean isTwin = twin && i == nVisible - 1;
            int cls = isTwin ? objects.get(0).cls() : 1 + perm[i];
            double size = 0.10 + 0.25 * rng.nextDouble(); // fraction of the image side (diameter)
            double cx = 0, cy = 0;
            for (int attempt = 0; attempt < 12; attempt++) {
                cx = 0.12 + 0.76 * rng.nextDouble();
                cy = 0.12 + 0.76 * rng.nextDouble();
                if (isTwin) { // the silent twin on the other side, so the stereo image tells them apart
                    double other = objects.get(0).cx();
                    cx = other < 0.5 ? 0.6 + 0.3 * rng.nextDouble() : 0.1 + 0.3 * rng.nextDouble();
                }
                boolean ok = true;
                for (double[] p : placed) {
                    if (Math.hypot(p[0] - cx, p[1] - cy) < 0.5 * (p[2] + size)) {
                        ok = false;
                    }
                }
                if (ok) {
                    break;
                }
            }
            if (i == 0 && twin) { // leave room for the twin on the other half
                cx = cx < 0.5 ? 0.1 + 0.3 * rng.nextDouble() : 0.6 + 0.3 * rng.nextDouble();
            }
            placed.add(new double[]{cx, cy, size});
            double speed = 0.035;
            float hue = (float) ((cls - 1) / (double) CLASSES + 0.03 * (rng.nextDouble() * 2 - 1));
            objects.add(new Obj(cls, cx, cy, speed * (rng.nextDouble() * 2 - 1), speed * (rng.nextDouble() * 2 - 1),
                    size, rng.nextDouble() * 2 * Math.PI, 0.15 * (rng.nextDouble() * 2 - 1), hue,
                    0.55f + 0.4f * (float) rng.nextDouble(), 0.55f + 0.4f * (float) rng.nextDouble(),
                    0.8 + 0.4 * rng.nextDouble(), sounding[i],
                    new SynthSounds.Voice(cls, 0.92 + 0.16 * rng.nextDouble(), rng.nextDouble(), rng.nextLong()),
                    0.5f + 0.5f * (float) rng.nextDouble()));
        }
        // draw order is random: the object drawn last occludes
        int[] order = permutation(rng, objects.size());
        List<Obj> shuffled = new ArrayList<>();
        for (int o : order) {
            shuffled.add(objects.get(o));
        }
        objects.clear();
        objects.addAll(shuffled);
    }

    /** The classes (1..8) of all visible objects. */
    boolean[] visibleClasses() {
        boolean[] v = new boolean[CLASSES + 1];
        for (Obj o : objects) {
            v[o.cls()] = true;
        }
        return v;
    }

    /** Semantic tags of frame f: which classes sound (index 0, background, false). */
    boolean[] semanticTags(int f) {
        boolean[] t = new boolean[CLASSES + 1];
        for (Obj o : objects) {
            t[o.cls()] |= o.sounding()[f];
        }
        return t;
    }

    /** Renders frame f into rgb (3*H*W, CHW) and label (H*W; binary presets: 1 = sounding). */
    void renderImage(int f, int h, int w, float[] rgb, int[] label, boolean binary) {
        int n = h * w;
        double ca = Math.cos(bgAngle), sa = Math.sin(bgAngle);
        for (int y = 0; y < h; y++) {
            double v = (y + 0.5) / h;
            double gy = v * (gridN - 1);
            int gy0 = Math.min(gridN - 2, (int) gy);
            double fy = gy - gy0;
            for (int x = 0; x < w; x++) {
                double u = (x + 0.5) / w;
                double t = 0.5 + 0.5 * ((u - 0.5) * ca + (v - 0.5) * sa) * 1.4;
                t = Math.max(0, Math.min(1, t));
                double gx = u * (gridN - 1);
                int gx0 = Math.min(gridN - 2, (int) gx);
                double fx = gx - gx0;
                double nz = (grid[gy0 * gridN + gx0] * (1 - fx) + grid[gy0 * gridN + gx0 + 1] * fx) * (1 - fy)
                        + (grid[(gy0 + 1) * gridN + gx0] * (1 - fx) + grid[(gy0 + 1) * gridN + gx0 + 1] * fx) * fy;
                float grain = noiseAmp * (float) nz + 0.03f * SynthSounds.noise(noiseSeed, (long) y * 4099 + x);
                int i = y * w + x;
                for (int c = 0; c < 3; c++) {
                    float base = (float) (colA[c] * (1 - t) + colB[c] * t);
                    rgb[c * n + i] = base + grain;
                }
                label[i] = 0;
            }
        }
        for (Clutter c : clutter) {
            drawClutter(c, h, w, rgb);
        }
        for (Obj o : objects) {
            drawObject(o, f, h, w, rgb, label, binary);
        }
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = Math.max(0f, Math.min(1f, rgb[i]));
        }
    }

    private void drawClutter(Clutter c, int h, int w, float[] rgb) {
        int n = h * w;
        double side = Math.min(h, w);
        double x1 = c.x1() * w, y1 = c.y1() * h, x2 = c.x2() * w, y2 = c.y2() * h;
        double rad = c.width() * side;
        int xa, xb, ya, yb;
        if (c.line()) {
            xa = (int) Math.floor(Math.min(x1, x2) - rad); xb = (int) Math.ceil(Math.max(x1, x2) + rad);
            ya = (int) Math.floor(Math.min(y1, y2) - rad); yb = (int) Math.ceil(Math.max(y1, y2) + rad);
        } else {
            xa = (int) Math.floor(x1 - rad * 1.5); xb = (int) Math.ceil(x1 + rad * 1.5);
            ya = (int) Math.floor(y1 - rad); yb = (int) Math.ceil(y1 + rad);
        }
        double dx = x2 - x1, dy = y2 - y1, len2 = Math.max(1e-9, dx * dx + dy * dy);
        for (int y = Math.max(0, ya); y < Math.min(h, yb + 1); y++) {
            for (int x = Math.max(0, xa); x < Math.min(w, xb + 1); x++) {
                double px = x + 0.5, py = y + 0.5;
                boolean in;
                if (c.line()) {
                    double t = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len2));
                    in = Math.hypot(px - x1 - t * dx, py - y1 - t * dy) <= Math.max(0.6, rad);
                } else {
                    double ex = (px - x1) / (1.5 * rad), ey = (py - y1) / rad;
                    in = ex * ex + ey * ey <= 1;
                }
                if (in) {
                    int i = y * w + x;
                    rgb[i] = 0.5f * rgb[i] + 0.5f * c.r();
                    rgb[n + i] = 0.5f * rgb[n + i] + 0.5f * c.g();
                    rgb[2 * n + i] = 0.5f * rgb[2 * n + i] + 0.5f * c.b();
                }
            }
        }
    }

    private void drawObject(Obj o, int f, int h, int w, float[] rgb, int[] label, boolean binary) {
        int n = h * w;
        double side = Math.min(h, w);
        double r = Math.max(1.0, 0.5 * o.size() * side);
        double cx = o.x(f) * w, cy = o.y(f) * h;
        double rot = o.rot() + o.vrot() * f;
        double cr = Math.cos(rot), sr = Math.sin(rot);
        float[] col = new float[3];
        hsv(o.hue(), o.sat(), o.val(), col);
        int lab = o.sounding()[f] ? (binary ? 1 : o.cls()) : 0;
        Shape shape = SHAPE_OF[o.cls()];
        int x0 = Math.max(0, (int) Math.floor(cx - r)), x1 = Math.min(w - 1, (int) Math.ceil(cx + r));
        int y0 = Math.max(0, (int) Math.floor(cy - r)), y1 = Math.min(h - 1, (int) Math.ceil(cy + r));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double dx = (x + 0.5 - cx) / r, dy = (y + 0.5 - cy) / r;
                double u = dx * cr + dy * sr, v = -dx * sr + dy * cr;
                if (!inside(shape, u, v)) {
                    continue;
                }
                float k = texture(o.cls(), u * o.texScale(), v * o.texScale());
                int i = y * w + x;
                for (int c = 0; c < 3; c++) {
                    rgb[c * n + i] = col[c] * k;
                }
                label[i] = lab;
            }
        }
    }

    static boolean inside(Shape s, double u, double v) {
        double au = Math.abs(u), av = Math.abs(v);
        return switch (s) {
            case DISC -> u * u + v * v <= 1;
            case SQUARE -> au <= 0.8 && av <= 0.8;
            case BAR -> au <= 1 && av <= 0.3;
            case TRIANGLE -> v >= -0.5 && v <= 1 - 1.7320508 * au;
            case CROSS -> (au <= 0.3 && av <= 1) || (av <= 0.3 && au <= 1);
            case STAR -> {
                double rho = Math.hypot(u, v);
                yield rho <= 0.55 + 0.45 * Math.cos(5 * Math.atan2(v, u));
            }
            case DIAMOND -> au / 0.7 + av <= 1;
            case RING -> {
                double q = u * u + v * v;
                yield q <= 1 && q >= 0.3;
            }
        };
    }

    /** Brightness factor of a class's texture at local coordinates (u, v) in [-1,1]. */
    static float texture(int cls, double u, double v) {
        double t = switch (cls) {
            case 1 -> 1 - 0.35 * (u * u + v * v); // radial shading
            case 2 -> Math.sin(9 * v) > 0 ? 1 : 0.7; // horizontal stripes
            case 3 -> (Math.floor(4 * u) + Math.floor(4 * v)) % 2 == 0 ? 1 : 0.72; // checker
            case 4 -> Math.hypot(frac(3 * u) - 0.5, frac(3 * v) - 0.5) < 0.25 ? 0.65 : 1; // dots
            case 5 -> Math.sin(7 * (u + v)) > 0 ? 1 : 0.68; // diagonal stripes
            case 6 -> 0.8 + 0.2 * Math.sin(11 * u) * Math.sin(13 * v); // speckle
            case 7 -> Math.sin(12 * Math.hypot(u, v)) > 0 ? 1 : 0.7; // concentric rings
            default -> Math.sin(10 * u) > 0 ? 1 : 0.72; // vertical stripes
        };
        return (float) t;
    }

    /**
     * Frame f's second(s) of audio, planar channels*S: the sum of the sounding objects' sounds (each panned by
     * its horizontal position with constant power when stereo) plus white noise at the clip's SNR.
     */
    float[] renderAudio(int f, int rate, int samples, int channels) {
        float[] out = new float[channels * samples];
        float[] tmp = new float[samples];
        long start = (long) f * samples;
        float total = 0;
        for (Obj o : objects) {
            if (o.sounding()[f]) {
                total += o.loudness();
            }
        }
        float norm = 0.85f / Math.max(1f, total);
        int fade = Math.max(1, Math.min(samples / 4, rate / 100)); // 10 ms ramps where a source starts or stops
        double power = 0;
        for (Obj o : objects) {
            if (!o.sounding()[f]) {
                continue;
            }
            java.util.Arrays.fill(tmp, 0f);
            SynthSounds.render(o.voice(), rate, start, samples, o.loudness() * norm, tmp, 0);
            if (f > 0 && !o.sounding()[f - 1]) {
                for (int i = 0; i < fade; i++) {
                    tmp[i] *= (float) i / fade;
                }
            }
            if (f < frames - 1 && !o.sounding()[f + 1]) {
                for (int i = 0; i < fade; i++) {
                    tmp[samples - 1 - i] *= (float) i / fade;
                }
            }
            for (float s : tmp) {
                power += (double) s * s;
            }
            if (channels == 1) {
                for (int i = 0; i < samples; i++) {
                    out[i] += tmp[i];
                }
            } else {
                double theta = o.x(f) * Math.PI / 2; // constant-power pan: left cos, right sin
                float gl = (float) Math.cos(theta), gr = (float) Math.sin(theta);
                for (int i = 0; i < samples; i++) {
                    out[i] += gl * tmp[i];
                    out[samples + i] += gr * tmp[i];
                }
            }
        }
        double rms = Math.sqrt(power / samples / channels);
        float sigma = (float) (Math.max(rms, 1e-3) / Math.pow(10, snrDb / 20));
        long ns = noiseSeed ^ 0x5DEECE66DL;
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(-1f, Math.min(1f, out[i] + sigma * gaussian(ns, start * channels + i)));
        }
        return out;
    }

    /** Approximately normal noise (sum of four uniforms, unit variance). */
    private static float gaussian(long seed, long n) {
        float s = SynthSounds.noise(seed, 4 * n) + SynthSounds.noise(seed, 4 * n + 1) + SynthSounds.noise(seed, 4 * n + 2)
                + SynthSounds.noise(seed, 4 * n + 3);
        return s * 0.8660254f; // uniform[-1,1] has variance 1/3; four of them 4/3
    }

    static int[] permutation(SplittableRandom rng, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static void hsv(float h, float s, float v, float[] out) {
        float hh = (float) ((h - Math.floor(h)) * 6);
        int i = (int) hh;
        float f = hh - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        float r, g, b;
        switch (i % 6) {
            case 0 -> { r = v; g = t; b = p; }
            case 1 -> { r = q; g = v; b = p; }
            case 2 -> { r = p; g = v; b = t; }
            case 3 -> { r = p; g = q; b = v; }
            case 4 -> { r = t; g = p; b = v; }
            default -> { r = v; g = p; b = q; }
        }
        out[0] = r;
        out[1] = g;
        out[2] = b;
    }

    private static double clamp01(double x) {
        return Math.max(0.02, Math.min(0.98, x));
    }

    private static double frac(double x) {
        return x - Math.floor(x);
    }
}
