package cpm.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * A magnitude spectrogram (T x F, log-scaled greys, frequency up) with a mask over it, one mask per panel side by
 * side: masks drawn over each other hide one another, so each prompt's mask gets a panel of its own, titled with
 * its name and mean value.
 */
public final class Spectrograms {

    /** Where the spectrogram starts below a panel's top edge (the panel's title sits above). */
    public static final int TOP = 24;
    /** The mask colour's opacity where the mask is 1. */
    public static final float ALPHA = 0.6f;

    private Spectrograms() {
    }

    /** Screen pixels per time step and per frequency bin. */
    public static int[] scale(int t, int f) {
        return new int[] {Math.max(1, 400 / t), Math.max(1, 240 / f)};
    }

    /** The left edge of panel {@code k}'s spectrogram. */
    public static int panelX(int k, int t, int f) {
        return 10 + k * (t * scale(t, f)[0] + 20);
    }

    /** The masks' colour: one bright amber for every panel, which stands out on the dark greys of a spectrogram. */
    public static final Color MASK = new Color(255, 170, 0);

    /**
     * One panel per mask (names.size() == masks.size()), or the spectrogram alone when there is no mask.
     *
     * @param spec  T x F magnitudes
     * @param masks T x F values in [0, 1]
     */
    public static BufferedImage draw(float[][] spec, List<float[][]> masks, List<String> names) {
        if (masks.size() != names.size()) {
            throw new IllegalArgumentException(masks.size() + " masks, " + names.size() + " names");
        }
        int t = spec.length;
        int f = spec[0].length;
        int[] s = scale(t, f);
        int panels = Math.max(1, masks.size());
        BufferedImage out = new BufferedImage(panelX(panels, t, f), f * s[1] + TOP + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = out.createGraphics();
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, out.getWidth(), out.getHeight());
        double max = 1e-9;
        for (float[] row : spec) {
            for (float v : row) {
                max = Math.max(max, Math.log1p(v));
            }
        }
        for (int k = 0; k < panels; k++) {
            float[][] mask = masks.isEmpty() ? null : masks.get(k);
            Color c = MASK;
            int x0 = panelX(k, t, f);
            for (int x = 0; x < t; x++) {
                for (int y = 0; y < f; y++) {
                    float v = (float) (Math.log1p(spec[x][y]) / max);
                    float a = mask == null ? 0f : ALPHA * Math.max(0f, Math.min(1f, mask[x][y]));
                    gr.setColor(new Color(mix(v, c.getRed(), a), mix(v, c.getGreen(), a), mix(v, c.getBlue(), a)));
                    gr.fillRect(x0 + x * s[0], TOP + (f - 1 - y) * s[1], s[0], s[1]);
                }
            }
            gr.setColor(Color.BLACK);
            if (mask != null) {
                gr.setColor(c);
                gr.fillRect(x0, 6, 12, 12);
                gr.setColor(Color.BLACK);
                gr.drawString(String.format(Locale.ROOT, "%s (mean %.2f)", names.get(k), mean(mask)), x0 + 16, 17);
            }
            gr.drawString("time ->  (frequency up)", x0, TOP + f * s[1] + 16);
        }
        gr.dispose();
        return out;
    }

    private static double mean(float[][] mask) {
        double sum = 0;
        int n = 0;
        for (float[] row : mask) {
            for (float v : row) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static float mix(float grey, int channel, float a) {
        return Math.max(0f, Math.min(1f, (1 - a) * grey + a * channel / 255f));
    }
}
