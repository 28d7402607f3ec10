package cpm.viz;

import cpm.data.Palette;
import cpm.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pictures a person would rather look at than read: prediction overlays against the ground truth with an
 * error map and the per-image IoU ({@link Overlay}), training curves ({@link Curves}), spectrograms with ACP
 * masks ({@link Spectrograms}), and ablation bar charts. Charts are XChart PNGs; overlays are drawn with Java2D. All written atomically. A pure renderer: it draws the arrays it is given and
 * runs no model (the runtime's {@code cpm.train.PredictionPictures} computes what is drawn).
 */
public final class Pictures {

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

    /** Training curves: the loss terms on a log axis above, the STS and other scores on their own axis below. */
    public static void curves(List<Series> losses, List<Series> scores, Path file) {
        writePng(Curves.draw(losses, scores), file);
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
     * Image | ground truth | prediction | error map, outlined half-transparent regions, the per-image IoU in the
     * prediction panel's title, legends below ({@link Overlay}).
     *
     * @param image (3, h, w) normalised pixels, channel-major
     * @param g (h, w) ground-truth class per pixel, row-major
     * @param p (h, w) predicted class per pixel, row-major
     */
    public static BufferedImage overlay(float[] image, int h, int w, long[] g, long[] p, List<String> classes,
                                        String title) {
        return Overlay.draw(image, h, w, g, p, classes, title);
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
        g.drawString("ACP on " + item + ": each prompt's mask sigmoid(m_k^a), one per panel | the target ratio mask",
                10, 14);
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

    /** A magnitude spectrogram (T x F, log-scaled greys) with each mask in a panel of its own ({@link Spectrograms}). */
    public static BufferedImage spectrogramMasks(float[][] spec, List<float[][]> masks, List<String> names) {
        return Spectrograms.draw(spec, masks, names);
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
