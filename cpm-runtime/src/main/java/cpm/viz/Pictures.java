package cpm.viz;

import cpm.data.BatchLoader;
import cpm.data.Palette;
import cpm.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The pictures a person would rather look at than read: prediction overlays against the ground truth with a
 * class legend, training curves, spectrograms with ACP masks, and ablation bar charts. Charts are XChart PNGs;
 * overlays are drawn with Java2D. All written atomically. A pure renderer: it draws the arrays it is given and
 * runs no model (the runtime's {@code cpm.train.PredictionPictures} computes what is drawn).
 */
public final class Pictures {

    private static final float[] MEAN = BatchLoader.MEAN;
    private static final float[] STD = BatchLoader.STD;

    private Pictures() {
    }

    /** The colour of a class index: the label maps' PASCAL VOC palette ({@link Palette}). */
    public static Color colour(int cls) {
        return new Color(Palette.colour(cls));
    }

    /** A named curve: x and y values of the same length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length
                        + " y values");
            }
        }
    }

    /** Training curves: every loss term over steps, and the matching stability score where measured. */
    public static void curves(List<Series> series, Path file) {
        XYChart chart = new XYChartBuilder().width(900).height(520).title("training curves").xAxisTitle("step")
                .yAxisTitle("loss / STS").build();
        chart.getStyler().setMarkerSize(0);
        addSeries(chart, series);
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("loss", new double[] {0}, new double[] {0});
        }
        save(chart, file);
    }

    /** Several runs' curves of one quantity in one chart (e.g. the STS of baseline and CPM). */
    public static void compare(String title, List<Series> runs, Path file) {
        XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("step")
                .yAxisTitle(title).build();
        addSeries(chart, runs);
        save(chart, file);
    }

    private static void addSeries(XYChart chart, List<Series> series) {
        for (Series s : series) {
            if (s.x().length > 0) {
                chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.NONE);
            }
        }
    }

    /** A grouped bar chart: one group per row name, one bar per metric, with error bars when given. */
    public static void bars(String title, List<String> rows, Map<String, double[]> means, Map<String, double[]> spreads,
                            Path file) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title(title).yAxisTitle("score")
                .build();
        for (Map.Entry<String, double[]> e : means.entrySet()) {
            List<Double> ys = new ArrayList<>();
            List<Double> errs = new ArrayList<>();
            double[] sd = spreads == null ? null : spreads.get(e.getKey());
            for (int i = 0; i < rows.size(); i++) {
                ys.add(e.getValue()[i]);
                errs.add(sd == null ? 0.0 : sd[i]);
            }
            chart.addSeries(e.getKey(), rows, ys, errs);
        }
        save(chart, file);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
        AtomicFiles.write(file, out -> out.write(BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG)));
    }

    /**
     * Image | ground truth | prediction, 50% colour overlays, legend below.
     *
     * @param image (3, h, w) normalised pixels, channel-major
     * @param g (h, w) ground-truth class per pixel, row-major
     * @param p (h, w) predicted class per pixel, row-major
     */
    public static BufferedImage overlay(float[] image, int h, int w, long[] g, long[] p, List<String> classes,
                                        String title) {
        float[] px = image;
        int scale = Math.max(1, 256 / Math.max(h, w));
        int pw = w * scale;
        int ph = h * scale;
        TreeSet<Integer> shown = new TreeSet<>();
        BufferedImage out = new BufferedImage(pw * 3 + 40, ph + 90, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = out.createGraphics();
        gr.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int panel = 0; panel < 3; panel++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    float[] rgb = new float[3];
                    for (int c = 0; c < 3; c++) {
                        rgb[c] = Math.min(1f, Math.max(0f, px[c * h * w + i] * STD[c] + MEAN[c]));
                    }
                    int cls = panel == 1 ? (int) g[i] : panel == 2 ? (int) p[i] : 0;
                    if (cls > 0) {
                        shown.add(cls);
                        Color col = colour(cls);
                        rgb[0] = 0.45f * rgb[0] + 0.55f * col.getRed() / 255f;
                        rgb[1] = 0.45f * rgb[1] + 0.55f * col.getGreen() / 255f;
                        rgb[2] = 0.45f * rgb[2] + 0.55f * col.getBlue() / 255f;
                    }
                    gr.setColor(new Color(rgb[0], rgb[1], rgb[2]));
                    gr.fillRect(10 + panel * (pw + 10) + x * scale, 24 + y * scale, scale, scale);
                }
            }
        }
        gr.setColor(Color.BLACK);
        gr.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        gr.drawString("image", 10, 16);
        gr.drawString("ground truth", 20 + pw, 16);
        gr.drawString("prediction", 30 + 2 * pw, 16);
        gr.drawString(title, 10, ph + 44);
        int lx = 10;
        for (int cls : shown) {
            String name = cls < classes.size() ? classes.get(cls) : "class " + cls;
            gr.setColor(colour(cls));
            gr.fillRect(lx, ph + 58, 14, 14);
            gr.setColor(Color.BLACK);
            gr.setStroke(new BasicStroke(1));
            gr.drawRect(lx, ph + 58, 14, 14);
            gr.drawString(name, lx + 18, ph + 70);
            lx += 26 + gr.getFontMetrics().stringWidth(name);
        }
        gr.dispose();
        return out;
    }

    /**
     * ACP in pictures (Eq. 5): the mixture spectrogram a_p with the mask that each class prompt finds, and beside
     * it the target ratio mask a_i / a_p.
     */
    public static BufferedImage acpMasks(String item, float[][] mixture, float[][] target, List<float[][]> masks,
                                         List<String> names) {
        List<float[][]> targets = new ArrayList<>();
        targets.add(target);
        BufferedImage left = spectrogramMasks(mixture, masks, names);
        BufferedImage right = spectrogramMasks(mixture, targets, List.of("target a_i / a_p"));
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth() + 10,
                Math.max(left.getHeight(), right.getHeight()) + 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 20, null);
        g.drawImage(right, left.getWidth() + 10, 20, null);
        g.setColor(Color.BLACK);
        g.drawString("ACP on " + item + ": prompt masks sigmoid(m_k^a) | target ratio mask", 10, 14);
        g.dispose();
        return both;
    }

    /** Pictures one above the other, left-aligned. */
    public static BufferedImage stack(List<BufferedImage> rows) {
        int w = rows.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int h = rows.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage out = new BufferedImage(w, Math.max(1, h), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        int y = 0;
        for (BufferedImage r : rows) {
            g.drawImage(r, 0, y, null);
            y += r.getHeight();
        }
        g.dispose();
        return out;
    }

    /** A magnitude spectrogram (T x F, log-scaled greys) with one coloured mask per prompt over it. */
    public static BufferedImage spectrogramMasks(float[][] spec, List<float[][]> masks, List<String> names) {
        int t = spec.length;
        int f = spec[0].length;
        int sx = Math.max(1, 400 / t);
        int sy = Math.max(1, 240 / f);
        double max = 1e-9;
        for (float[] row : spec) {
            for (float v : row) {
                max = Math.max(max, Math.log1p(v));
            }
        }
        BufferedImage out = new BufferedImage(t * sx + 20, f * sy + 50 + 18 * names.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = out.createGraphics();
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int x = 0; x < t; x++) {
            for (int y = 0; y < f; y++) {
                float v = (float) (Math.log1p(spec[x][y]) / max);
                float r = v;
                float g = v;
                float b = v;
                for (int k = 0; k < masks.size(); k++) {
                    float a = 0.6f * masks.get(k)[x][y];
                    Color c = colour(k + 1);
                    r = (1 - a) * r + a * c.getRed() / 255f;
                    g = (1 - a) * g + a * c.getGreen() / 255f;
                    b = (1 - a) * b + a * c.getBlue() / 255f;
                }
                gr.setColor(new Color(clamp(r), clamp(g), clamp(b)));
                gr.fillRect(10 + x * sx, 20 + (f - 1 - y) * sy, sx, sy);
            }
        }
        gr.setColor(Color.BLACK);
        gr.drawString("time ->   (frequency up)", 10, 14);
        for (int k = 0; k < names.size(); k++) {
            gr.setColor(colour(k + 1));
            gr.fillRect(10, f * sy + 30 + 18 * k, 12, 12);
            gr.setColor(Color.BLACK);
            gr.drawString(names.get(k), 28, f * sy + 41 + 18 * k);
        }
        gr.dispose();
        return out;
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }

    public static void writePng(BufferedImage img, Path file) {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer");
            }
        });
    }

    static UncheckedIOException wrap(IOException e) {
        return new UncheckedIOException(e);
    }
}
