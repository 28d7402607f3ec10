package cpm.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Image decoding (PNG, JPEG), conversion to CHW floats, resizing (bilinear image, nearest label). */
public final class Images {

    /** The most pixels an image may declare (8192 x 8192): decoding allocates what the header claims. */
    static final long MAX_PIXELS = 8192L * 8192;

    private Images() {
    }

    /** Decodes a PNG or JPEG file; an unreadable file, or one declaring over {@link #MAX_PIXELS}, is a {@link DataException}. */
    public static BufferedImage read(Path file) {
        checkDeclaredSize(file);
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new DataException(file, "a file no image decoder accepts", "a PNG or JPEG image");
            }
            return img;
        } catch (IOException e) {
            Throwable c = e.getCause(); // ImageIO wraps what stopped its decoder, an OutOfMemoryError too
            String why = e.getMessage() + (c == null ? "" : " " + c.getClass().getSimpleName() + ": " + c.getMessage());
            throw new DataException(file, "an unreadable image (" + why.strip() + ")", "a PNG or JPEG image", e);
        }
    }

    /** Reads the width and height from the header alone and refuses absurd ones before anything is allocated. */
    private static void checkDeclaredSize(Path file) {
        long w, h;
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            java.util.Iterator<javax.imageio.ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return; // decoding says what is wrong
            }
            javax.imageio.ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                w = r.getWidth(0);
                h = r.getHeight(0);
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return; // decoding says what is wrong
        }
        if (w * h > MAX_PIXELS) {
            throw new DataException(file, String.format(java.util.Locale.ROOT, "an image of %,d x %,d pixels in its "
                    + "header", w, h), String.format(java.util.Locale.ROOT, "at most %,d pixels (8192 x 8192)", MAX_PIXELS));
        }
    }

    /** Writes a PNG atomically. */
    public static void writePng(Path file, BufferedImage img) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bos);
            WavIO.writeAtomically(file, bos.toByteArray());
        } catch (IOException e) {
            throw new DataException(file, "a write failure (" + e.getMessage() + ")", "a writable location", e);
        }
    }

    /** CHW floats in [0,1]. */
    public static float[] toChw(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight(), n = w * h;
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            int p = px[i];
            out[i] = ((p >> 16) & 0xFF) / 255f;
            out[n + i] = ((p >> 8) & 0xFF) / 255f;
            out[2 * n + i] = (p & 0xFF) / 255f;
        }
        return out;
    }

    /** An RGB image from CHW floats in [0,1] (rounded to 8 bits). */
    public static BufferedImage fromChw(float[] chw, int h, int w) {
        int n = h * w;
        int[] px = new int[n];
        for (int i = 0; i < n; i++) {
            px[i] = (to8(chw[i]) << 16) | (to8(chw[n + i]) << 8) | to8(chw[2 * n + i]);
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }

    static int to8(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }

    /**
     * Bilinear resize of the crop (x0, y0, cw, ch) of a C-channel CHW image to (oh, ow), with half-pixel centres
     * and, when shrinking, the triangle filter widened by the scale (antialiased, as PIL and torch
     * interpolate(antialias=True), which DJL's bilinear interpolation uses); when enlarging this is plain
     * bilinear interpolation (align_corners=False). With {@code flip} the output is mirrored horizontally.
     */
    public static float[] resizeBilinear(float[] src, int c, int h, int w, double x0, double y0, double cw, double chh,
                                         int oh, int ow, boolean flip) {
        Weights wx = weights(w, x0, cw, ow, flip), wy = weights(h, y0, chh, oh, false);
        float[] out = new float[c * oh * ow];
        float[] row = new float[ow];
        for (int k = 0; k < c; k++) {
            int base = k * h * w;
            for (int y = 0; y < oh; y++) {
                java.util.Arrays.fill(row, 0f);
                for (int j = 0; j < wy.w[y].length; j++) {
                    float a = wy.w[y][j];
                    int sb = base + (wy.start[y] + j) * w;
                    for (int x = 0; x < ow; x++) {
                        float[] ww = wx.w[x];
                        int s0 = sb + wx.start[x];
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

    private record Weights(int[] start, float[][] w) {
    }

    /** Per output index: first input index and normalised triangle-filter weights (torch's _aa weights). */
    private static Weights weights(int in, double off, double len, int out, boolean flip) {
        double scale = len / out;
        double support = scale >= 1 ? scale : 1.0;
        double inv = scale >= 1 ? 1 / scale : 1.0;
        int[] start = new int[out];
        float[][] w = new float[out][];
        for (int i = 0; i < out; i++) {
            int o = flip ? out - 1 - i : i;
            double centre = off + scale * (o + 0.5);
            int lo = Math.max((int) Math.floor(centre - support + 0.5), 0);
            int hi = Math.min((int) Math.floor(centre + support + 0.5), in);
            if (hi <= lo) { // crop edge beyond the image: nearest pixel
                lo = Math.max(0, Math.min(in - 1, (int) Math.floor(centre)));
                hi = lo + 1;
            }
            float[] ww = new float[hi - lo];
            double total = 0;
            for (int j = lo; j < hi; j++) {
                double t = Math.max(0, 1 - Math.abs((j - centre + 0.5) * inv));
                ww[j - lo] = (float) t;
                total += t;
            }
            for (int j = 0; j < ww.length; j++) {
                ww[j] = total > 0 ? (float) (ww[j] / total) : 1f / ww.length;
            }
            start[i] = lo;
            w[i] = ww;
        }
        return new Weights(start, w);
    }

    /** Nearest-neighbour resize of the crop of a label map (pixel-centre sampling), optionally mirrored. */
    public static int[] resizeNearest(int[] src, int h, int w, double x0, double y0, double cw, double chh, int oh,
                                      int ow, boolean flip) {
        int[] out = new int[oh * ow];
        int[] xs = new int[ow];
        for (int x = 0; x < ow; x++) {
            int xo = flip ? ow - 1 - x : x;
            xs[x] = Math.max(0, Math.min(w - 1, (int) Math.floor(x0 + (xo + 0.5) * cw / ow)));
        }
        for (int y = 0; y < oh; y++) {
            int sy = Math.max(0, Math.min(h - 1, (int) Math.floor(y0 + (y + 0.5) * chh / oh)));
            for (int x = 0; x < ow; x++) {
                out[y * ow + x] = src[sy * w + xs[x]];
            }
        }
        return out;
    }

    /** Whole-image resizes. */
    public static float[] resizeBilinear(float[] src, int c, int h, int w, int oh, int ow) {
        return h == oh && w == ow ? src : resizeBilinear(src, c, h, w, 0, 0, w, h, oh, ow, false);
    }

    public static int[] resizeNearest(int[] src, int h, int w, int oh, int ow) {
        return h == oh && w == ow ? src : resizeNearest(src, h, w, 0, 0, w, h, oh, ow, false);
    }

    static boolean exists(Path p) {
        return Files.isRegularFile(p);
    }
}
