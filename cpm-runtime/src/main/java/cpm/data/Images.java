package cpm.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Image decoding (PNG, JPEG), conversion to CHW floats, resizing (bilinear image, nearest label). */
public final class Images {

    private Images() {
    }

    /** Decodes a PNG or JPEG file; an unreadable file is a {@link DataException}. */
    public static BufferedImage read(Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new DataException(file, "a file no image decoder accepts", "a PNG or JPEG image");
            }
            return img;
        } catch (IOException e) {
            throw new DataException(file, "an unreadable image (" + e.getMessage() + ")", "a PNG or JPEG image", e);
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
     * Bilinear resize of the crop (x0, y0, cw, ch) of a C-channel CHW image to (oh, ow), half-pixel centres
     * (as torch interpolate with align_corners=False). With {@code flip} the output is mirrored horizontally.
     */
    public static float[] resizeBilinear(float[] src, int c, int h, int w, double x0, double y0, double cw, double chh,
                                         int oh, int ow, boolean flip) {
        float[] out = new float[c * oh * ow];
        double sy = chh / oh, sx = cw / ow;
        int[] xl = new int[ow], xh = new int[ow];
        float[] fx = new float[ow];
        for (int x = 0; x < ow; x++) {
            int xo = flip ? ow - 1 - x : x;
            double gx = Math.max(0, Math.min(w - 1, x0 + (xo + 0.5) * sx - 0.5));
            xl[x] = (int) Math.floor(gx);
            xh[x] = Math.min(w - 1, xl[x] + 1);
            fx[x] = (float) (gx - xl[x]);
        }
        for (int y = 0; y < oh; y++) {
            double gy = Math.max(0, Math.min(h - 1, y0 + (y + 0.5) * sy - 0.5));
            int yl = (int) Math.floor(gy), yh = Math.min(h - 1, yl + 1);
            float fy = (float) (gy - yl);
            for (int k = 0; k < c; k++) {
                int base = k * h * w, ob = k * oh * ow + y * ow;
                for (int x = 0; x < ow; x++) {
                    float a = src[base + yl * w + xl[x]], b = src[base + yl * w + xh[x]];
                    float cc = src[base + yh * w + xl[x]], d = src[base + yh * w + xh[x]];
                    float top = a + (b - a) * fx[x], bot = cc + (d - cc) * fx[x];
                    out[ob + x] = top + (bot - top) * fy;
                }
            }
        }
        return out;
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
