package cpm.data;

import cpm.data.DataProblem.Kind;
import cpm.io.AtomicFiles;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image decoding (PNG, JPEG), conversion to CHW floats, resizing (bilinear image, nearest label) and the three
 * ways a frame becomes a square ({@link Fit}, data.resize).
 */
public final class Images {

    private Images() {
    }

    /**
     * How a frame of any shape becomes a side x side square (data.resize): SQUASH stretches it; PAD scales its longer
     * side to the square's and centres it on a padded canvas; CROP scales its shorter side to the square's and keeps
     * the centre. PAD and CROP keep the aspect ratio.
     */
    public enum Fit {
        SQUASH, PAD, CROP;

        /** The fit a data.resize value names (the schema allows only these three). */
        public static Fit of(String resize) {
            return valueOf(resize.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * The (height, width) a h x w frame is resized to before {@code fit} pads or crops it to a side x side square:
     * side x side for SQUASH, the longer side = side for PAD, the shorter side = side for CROP (aspect ratio kept,
     * rounded to whole pixels).
     */
    public static int[] fitSize(int h, int w, int side, Fit fit) {
        if (fit == Fit.SQUASH || h == w) {
            return new int[]{side, side};
        }
        boolean tall = h > w;
        int longer = Math.max(h, w), shorter = Math.min(h, w);
        int other = fit == Fit.PAD ? Math.max(1, (int) Math.round((double) shorter * side / longer))
                : Math.max(side, (int) Math.round((double) longer * side / shorter));
        return tall == (fit == Fit.PAD) ? new int[]{side, other} : new int[]{other, side};
    }

    /** A CHW image resized to {@link #fitSize} and then padded (channel k with fill[k]) or cropped to side x side. */
    public static float[] fitImage(float[] rgb, int c, int h, int w, int side, Fit fit, float[] fill) {
        int[] s = fitSize(h, w, side, fit);
        float[] r = resizeBilinear(rgb, c, h, w, s[0], s[1]);
        return fit == Fit.PAD ? pad(r, c, s[0], s[1], side, side, fill) : centreCrop(r, c, s[0], s[1], side, side);
    }

    /** A label map resized to {@link #fitSize} (nearest), then padded with {@code fill} or cropped to the square. */
    public static int[] fitLabel(int[] label, int h, int w, int side, Fit fit, int fill) {
        int[] s = fitSize(h, w, side, fit);
        int[] r = resizeNearest(label, h, w, s[0], s[1]);
        return fit == Fit.PAD ? pad(r, s[0], s[1], side, side, fill) : centreCrop(r, s[0], s[1], side, side);
    }

    /**
     * A CHW image centred on an (oh, ow) canvas whose channel k is fill[k]; the extra pixel of an odd margin goes
     * to the bottom or right.
     */
    public static float[] pad(float[] src, int c, int h, int w, int oh, int ow, float[] fill) {
        if (h == oh && w == ow) {
            return src;
        }
        int top = (oh - h) / 2, left = (ow - w) / 2;
        float[] out = new float[c * oh * ow];
        for (int k = 0; k < c; k++) {
            java.util.Arrays.fill(out, k * oh * ow, (k + 1) * oh * ow, fill[k]);
            for (int y = 0; y < h; y++) {
                System.arraycopy(src, (k * h + y) * w, out, k * oh * ow + (top + y) * ow + left, w);
            }
        }
        return out;
    }

    /** A label map centred on an (oh, ow) canvas of {@code fill}, where {@link #pad(float[], int, int, int, int,
     * int, float[])} places images. */
    public static int[] pad(int[] src, int h, int w, int oh, int ow, int fill) {
        if (h == oh && w == ow) {
            return src;
        }
        int top = (oh - h) / 2, left = (ow - w) / 2;
        int[] out = new int[oh * ow];
        java.util.Arrays.fill(out, fill);
        for (int y = 0; y < h; y++) {
            System.arraycopy(src, y * w, out, (top + y) * ow + left, w);
        }
        return out;
    }

    /** The centred (oh, ow) part of a label map. */
    static int[] centreCrop(int[] src, int h, int w, int oh, int ow) {
        return h == oh && w == ow ? src : java.util.stream.IntStream.range(0, oh * ow)
                .map(i -> src[((h - oh) / 2 + i / ow) * w + (w - ow) / 2 + i % ow]).toArray();
    }

    /** The centred (oh, ow) part of a CHW image (pixels copied, not resampled). */
    static float[] centreCrop(float[] src, int c, int h, int w, int oh, int ow) {
        if (h == oh && w == ow) {
            return src;
        }
        int top = (h - oh) / 2, left = (w - ow) / 2;
        float[] out = new float[c * oh * ow];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < oh; y++) {
                System.arraycopy(src, (k * h + top + y) * w + left, out, (k * oh + y) * ow, ow);
            }
        }
        return out;
    }


    /** Largest frame accepted: 16384 px a side and 40 megapixels (8K video is 33), so that a damaged or absurd
     * header is refused before its pixels are allocated. */
    static final int MAX_SIDE = 16384;
    static final long MAX_PIXELS = 40_000_000L;

    /** Decodes a PNG or JPEG file; an unreadable or absurdly large file is a {@link DataException}. */
    public static BufferedImage read(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DataException(Kind.IMAGE, file, "a file no image decoder accepts",
                        "a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0), h = reader.getHeight(0);
                if (w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS) {
                    throw new DataException(Kind.IMAGE, file, "an image of " + w + "x" + h + " pixels",
                            "at most " + MAX_SIDE + " pixels a side and " + MAX_PIXELS / 1_000_000 + " megapixels");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataException de) {
                throw de;
            }
            Throwable c = e.getCause(); // ImageIO wraps what stopped its decoder, an OutOfMemoryError too
            String why = e.getMessage() + (c == null ? "" : " " + c.getClass().getSimpleName() + ": " + c.getMessage());
            throw new DataException(Kind.IMAGE, file, "an unreadable image (" + why.strip() + ")",
                    "a PNG or JPEG image", e);
        }
    }

    /** Writes a PNG atomically. */
    public static void writePng(Path file, BufferedImage img) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bos);
            AtomicFiles.write(file, bos.toByteArray());
        } catch (IOException e) {
            throw new DataException(file, "a write failure (" + e.getMessage() + ")", "a writable location", e);
        } catch (UncheckedIOException e) {
            throw new DataException(file, "a write failure (" + e.getCause().getMessage() + ")",
                    "a writable location", e);
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
        // upsampling a crop (the usual training case) gives the output columns two taps, except at the image's
        // edge: those taps sit in flat arrays and the two products are written out, the same sums in the same
        // order as the loop over taps (~1.2x faster per crop, bench/notes-epoch.md)
        float[] w0 = new float[ow], w1 = new float[ow];
        boolean[] two = new boolean[ow];
        for (int x = 0; x < ow; x++) {
            float[] ww = wx.w[x];
            two[x] = ww.length == 2;
            w0[x] = ww[0];
            w1[x] = two[x] ? ww[1] : 0f;
        }
        for (int k = 0; k < c; k++) {
            int base = k * h * w;
            for (int y = 0; y < oh; y++) {
                java.util.Arrays.fill(row, 0f);
                for (int j = 0; j < wy.w[y].length; j++) {
                    float a = wy.w[y][j];
                    int sb = base + (wy.start[y] + j) * w;
                    for (int x = 0; x < ow; x++) {
                        int s0 = sb + wx.start[x];
                        float acc = 0;
                        if (two[x]) {
                            acc += w0[x] * src[s0];
                            acc += w1[x] * src[s0 + 1];
                        } else {
                            float[] ww = wx.w[x];
                            for (int i = 0; i < ww.length; i++) {
                                acc += ww[i] * src[s0 + i];
                            }
                        }
                        row[x] += a * acc;
                    }
                }
                System.arraycopy(row, 0, out, k * oh * ow + y * ow, ow);
            }
        }
        return out;
    }

    record Weights(int[] start, float[][] w) {
    }

    /** Per output index: first input index and normalised triangle-filter weights (torch's _aa weights). */
    static Weights weights(int in, double off, double len, int out, boolean flip) {
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
