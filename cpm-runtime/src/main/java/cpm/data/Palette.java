package cpm.data;

import cpm.data.DataProblem.Kind;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The PASCAL VOC colour palette used by AVSBench-Semantics label maps (docs/datasets.md): class j's colour is
 * built from j's bits, bit 0 to bit 7-i of red, bit 1 to green, bit 2 to blue, for i = 0, 1, ... while j > 0.
 */
public final class Palette {

    private static final int[] COLOURS = new int[256];
    private static final Map<Integer, Integer> INDEX = new HashMap<>();

    static {
        for (int j = 0; j < 256; j++) {
            int r = 0, g = 0, b = 0, c = j;
            for (int i = 0; c > 0; i++, c >>= 3) {
                r |= (c & 1) << (7 - i);
                g |= ((c >> 1) & 1) << (7 - i);
                b |= ((c >> 2) & 1) << (7 - i);
            }
            COLOURS[j] = (r << 16) | (g << 8) | b;
            INDEX.put(COLOURS[j], j);
        }
    }

    private Palette() {
    }

    /** The 0xRRGGBB colour of class {@code index} (0..255). */
    public static int colour(int index) {
        return COLOURS[index];
    }

    /** The class index of a 0xRRGGBB colour, or -1 when it is not a palette colour. */
    public static int index(int rgb) {
        Integer i = INDEX.get(rgb & 0xFFFFFF);
        return i == null ? -1 : i;
    }

    /** Paints a label map (H*W class indices) as a palette image. */
    public static BufferedImage encode(int[] label, int height, int width) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[label.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = COLOURS[label[i]];
        }
        img.setRGB(0, 0, width, height, px, 0, width);
        return img;
    }

    /**
     * Decodes a colour label map. A colour outside the palette, or a class index at or beyond
     * {@code classCount}, is an error naming the file and the pixel.
     */
    public static int[] decode(BufferedImage img, int classCount, Path file) {
        int w = img.getWidth(), h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        int[] out = new int[px.length];
        int lastRgb = 0, lastIdx = 0;
        for (int i = 0; i < px.length; i++) {
            int rgb = px[i] & 0xFFFFFF;
            if (rgb != lastRgb) {
                lastRgb = rgb;
                lastIdx = index(rgb);
            }
            if (lastIdx < 0) {
                throw new DataException(Kind.PALETTE, file,
                        String.format("colour #%06X at pixel (x=%d, y=%d)", rgb, i % w, i / w),
                        "a PASCAL VOC palette colour");
            }
            if (lastIdx >= classCount) {
                throw new DataException(Kind.CLASS_INDEX, file,
                        String.format("class %d (colour #%06X) at pixel (x=%d, y=%d)", lastIdx,
                        rgb, i % w, i / w), "a class index below " + classCount + " (label2idx / data.classes)");
            }
            out[i] = lastIdx;
        }
        return out;
    }

    /** Decodes a binary mask: any non-zero pixel is foreground (1). */
    public static int[] decodeBinary(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        int[] out = new int[w * h];
        java.awt.image.Raster r = img.getRaster();
        int bands = r.getNumBands();
        int[] pix = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, pix);
                int v = 0;
                for (int b = 0; b < bands; b++) {
                    if (b == 3 && bands == 4) {
                        continue; // alpha carries no label
                    }
                    v |= pix[b];
                }
                out[y * w + x] = v != 0 ? 1 : 0;
            }
        }
        return out;
    }
}
