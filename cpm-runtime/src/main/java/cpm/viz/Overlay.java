package cpm.viz;

import cpm.data.BatchLoader;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.TreeSet;

/**
 * One item as four panels: image | ground truth | prediction | error map, with the per-image IoU in the
 * prediction panel's title and a legend below. A class region is a half-transparent fill of its palette colour
 * with an outline (a line in the full class colour inside the region, then a white or black line outside it,
 * whichever contrasts with the class colour), so a region stays visible on dark, light and same-coloured images.
 * The error map shows each pixel as correct (green), false positive (red: a class predicted where the truth has
 * none), false negative (blue: a class missed) or wrong class (orange), on the dimmed grey image elsewhere.
 */
public final class Overlay {

    /** Where the panels start below the top edge (the panel titles sit above). */
    public static final int TOP = 24;
    /** The error map's colours. */
    public static final Color CORRECT = new Color(0, 190, 0);
    public static final Color FALSE_POSITIVE = new Color(230, 0, 0);
    public static final Color FALSE_NEGATIVE = new Color(0, 90, 255);
    public static final Color WRONG_CLASS = new Color(255, 160, 0);
    /** The fill's opacity over the image. */
    public static final float FILL = 0.5f;

    private static final float[] MEAN = BatchLoader.MEAN;
    private static final float[] STD = BatchLoader.STD;
    private static final String[] PANELS = {"image", "ground truth", "prediction", "errors"};

    private Overlay() {
    }

    /** Screen pixels per label pixel: small images are enlarged to about 256 pixels. */
    public static int scale(int h, int w) {
        return Math.max(1, 256 / Math.max(h, w));
    }

    /** The left edge of panel {@code panel} (0 image, 1 truth, 2 prediction, 3 errors). */
    public static int panelX(int panel, int h, int w) {
        return 10 + panel * (w * scale(h, w) + 10);
    }

    /** The outline's width on each side of a region border, in screen pixels. */
    public static int outline(int h, int w) {
        return Math.max(1, scale(h, w) / 2);
    }

    /** Black or white, whichever stands out against a class colour. */
    public static Color contrast(Color c) {
        double lum = (0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue()) / 255.0;
        return lum > 0.5 ? Color.BLACK : Color.WHITE;
    }

    /**
     * @param image (3, h, w) normalised pixels, channel-major
     * @param g     (h, w) ground-truth class per pixel, row-major
     * @param p     (h, w) predicted class per pixel, row-major
     */
    public static BufferedImage draw(float[] image, int h, int w, long[] g, long[] p, List<String> classes,
                                     String title) {
        int s = scale(h, w);
        int pw = w * s;
        int ph = h * s;
        int[] rgb = imageRgb(image, h, w);
        ImageIou iou = ImageIou.of(g, p);
        BufferedImage out = new BufferedImage(panelX(4, h, w), ph + TOP + 88, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = out.createGraphics();
        gr.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, out.getWidth(), out.getHeight());
        int[] plain = new int[pw * ph];
        for (int y = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++) {
                plain[y * pw + x] = rgb[(y / s) * w + x / s];
            }
        }
        out.setRGB(panelX(0, h, w), TOP, pw, ph, plain, 0, pw);
        out.setRGB(panelX(1, h, w), TOP, pw, ph, regions(rgb, g, h, w), 0, pw);
        out.setRGB(panelX(2, h, w), TOP, pw, ph, regions(rgb, p, h, w), 0, pw);
        out.setRGB(panelX(3, h, w), TOP, pw, ph, errors(rgb, g, p, h, w), 0, pw);
        gr.setColor(Color.BLACK);
        gr.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int panel = 0; panel < 4; panel++) {
            String t = panel == 2 ? PANELS[panel] + ", " + iou.brief() : PANELS[panel];
            gr.drawString(t, panelX(panel, h, w), 16);
        }
        gr.drawString(title + ": " + iou.detail(classes), 10, ph + TOP + 20);
        TreeSet<Integer> shown = new TreeSet<>();
        for (int i = 0; i < g.length; i++) {
            if (g[i] > 0) {
                shown.add((int) g[i]);
            }
            if (p[i] > 0) {
                shown.add((int) p[i]);
            }
        }
        int lx = 10;
        for (int cls : shown) {
            lx = swatch(gr, lx, ph + TOP + 34, Pictures.colour(cls),
                    cls < classes.size() ? classes.get(cls) : "class " + cls);
        }
        lx = 10;
        lx = swatch(gr, lx, ph + TOP + 56, CORRECT, "correct");
        lx = swatch(gr, lx, ph + TOP + 56, FALSE_POSITIVE, "false positive");
        lx = swatch(gr, lx, ph + TOP + 56, FALSE_NEGATIVE, "false negative (missed)");
        swatch(gr, lx, ph + TOP + 56, WRONG_CLASS, "wrong class");
        gr.dispose();
        return out;
    }

    private static int swatch(Graphics2D gr, int x, int y, Color c, String name) {
        gr.setColor(c);
        gr.fillRect(x, y, 14, 14);
        gr.setColor(Color.BLACK);
        gr.drawRect(x, y, 14, 14);
        gr.drawString(name, x + 18, y + 12);
        return x + 28 + gr.getFontMetrics().stringWidth(name);
    }

    /** The image as 0xRRGGBB per pixel, denormalised and clamped. */
    static int[] imageRgb(float[] image, int h, int w) {
        int hw = h * w;
        int[] out = new int[hw];
        for (int i = 0; i < hw; i++) {
            int v = 0;
            for (int c = 0; c < 3; c++) {
                float x = Math.min(1f, Math.max(0f, image[c * hw + i] * STD[c] + MEAN[c]));
                v = (v << 8) | Math.round(x * 255);
            }
            out[i] = v;
        }
        return out;
    }

    /** A label map over the image at screen resolution: fill inside each region, the two-line outline at its edge. */
    static int[] regions(int[] rgb, long[] labels, int h, int w) {
        int s = scale(h, w);
        int b = outline(h, w);
        int pw = w * s;
        int ph = h * s;
        int[] out = new int[pw * ph];
        for (int y = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++) {
                int base = rgb[(y / s) * w + x / s];
                int c = label(labels, x, y, s, w);
                int other = differentNear(labels, x, y, s, w, pw, ph, b, c);
                int px;
                if (c > 0 && other >= 0) {
                    px = Pictures.colour(c).getRGB() & 0xFFFFFF;
                } else if (c > 0) {
                    px = blend(base, Pictures.colour(c).getRGB(), FILL);
                } else if (other > 0) {
                    px = contrast(Pictures.colour(other)).getRGB() & 0xFFFFFF;
                } else {
                    px = base;
                }
                out[y * pw + x] = px;
            }
        }
        return out;
    }

    /** The error map at screen resolution. */
    static int[] errors(int[] rgb, long[] g, long[] p, int h, int w) {
        int s = scale(h, w);
        int pw = w * s;
        int ph = h * s;
        int[] out = new int[pw * ph];
        for (int y = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++) {
                int i = (y / s) * w + x / s;
                Color c = errorColour(g[i], p[i]);
                out[y * pw + x] = c != null ? c.getRGB() & 0xFFFFFF : dimGrey(rgb[i]);
            }
        }
        return out;
    }

    /** The error map's colour of a pixel, or null where truth and prediction are both background. */
    public static Color errorColour(long g, long p) {
        if (g == p) {
            return g > 0 ? CORRECT : null;
        }
        if (g == 0) {
            return FALSE_POSITIVE;
        }
        return p == 0 ? FALSE_NEGATIVE : WRONG_CLASS;
    }

    private static int label(long[] labels, int x, int y, int s, int w) {
        return (int) labels[(y / s) * w + x / s];
    }

    /** A label within {@code b} screen pixels of (x, y) other than {@code c} (a class > 0 first), or -1. */
    private static int differentNear(long[] labels, int x, int y, int s, int w, int pw, int ph, int b, int c) {
        int found = -1;
        for (int dy = -b; dy <= b; dy++) {
            for (int dx = -b; dx <= b; dx++) {
                int xx = x + dx;
                int yy = y + dy;
                if (xx < 0 || yy < 0 || xx >= pw || yy >= ph) {
                    continue;
                }
                int l = label(labels, xx, yy, s, w);
                if (l != c) {
                    if (l > 0) {
                        return l;
                    }
                    found = l;
                }
            }
        }
        return found;
    }

    static int blend(int base, int colour, float a) {
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int u = (base >> shift) & 0xFF;
            int v = (colour >> shift) & 0xFF;
            out |= Math.round((1 - a) * u + a * v) << shift;
        }
        return out;
    }

    private static int dimGrey(int rgb) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        int v = Math.round(0.6f * (0.299f * r + 0.587f * g + 0.114f * b));
        return (v << 16) | (v << 8) | v;
    }
}
