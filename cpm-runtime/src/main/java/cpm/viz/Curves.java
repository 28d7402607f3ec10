package cpm.viz;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Training curves as two panels, one above the other: the loss terms on a log axis (a term of 0.05 stays
 * readable beside a total of 50), and the quantities of another scale (the STS in nats, each CPM task's share of
 * the objective in 0..1) on their own linear axis.
 */
public final class Curves {

    public static final int WIDTH = 900;
    public static final int PANEL_HEIGHT = 420;

    private Curves() {
    }

    /** The two charts: losses (log y) and scores (linear y). */
    public static List<XYChart> charts(List<Pictures.Series> losses, List<Pictures.Series> scores) {
        XYChart top = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title("training losses (log scale)")
                .xAxisTitle("step").yAxisTitle("loss").build();
        top.getStyler().setYAxisLogarithmic(true);
        for (Pictures.Series s : losses) {
            Pictures.Series pos = positive(s);
            if (pos.x().length > 0) {
                top.addSeries(pos.name(), pos.x(), pos.y()).setMarker(SeriesMarkers.NONE);
            }
        }
        XYChart bottom = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title("matching stability (STS, nats; lower is more stable) and CPM task shares (0..1)")
                .xAxisTitle("step").yAxisTitle("STS / share").build();
        for (Pictures.Series s : scores) {
            if (s.x().length > 0) {
                bottom.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.NONE);
            }
        }
        // XChart draws nothing sensible without a series: an empty chart says so in its legend
        if (top.getSeriesMap().isEmpty()) {
            top.addSeries("no loss logged", new double[] {0}, new double[] {1}).setMarker(SeriesMarkers.NONE);
        }
        if (bottom.getSeriesMap().isEmpty()) {
            bottom.addSeries("no STS measured", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        }
        return List.of(top, bottom);
    }

    /** The charts one above the other. */
    public static BufferedImage draw(List<Pictures.Series> losses, List<Pictures.Series> scores) {
        List<BufferedImage> rows = new ArrayList<>();
        for (XYChart c : charts(losses, scores)) {
            rows.add(BitmapEncoder.getBufferedImage(c));
        }
        BufferedImage out = new BufferedImage(WIDTH, PANEL_HEIGHT * rows.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        for (int i = 0; i < rows.size(); i++) {
            g.drawImage(rows.get(i), 0, i * PANEL_HEIGHT, null);
        }
        g.dispose();
        return out;
    }

    /** A log axis cannot show values <= 0: those points are left out. */
    private static Pictures.Series positive(Pictures.Series s) {
        List<double[]> keep = new ArrayList<>();
        for (int i = 0; i < s.x().length; i++) {
            if (s.y()[i] > 0 && Double.isFinite(s.y()[i])) {
                keep.add(new double[] {s.x()[i], s.y()[i]});
            }
        }
        double[] x = new double[keep.size()];
        double[] y = new double[keep.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = keep.get(i)[0];
            y[i] = keep.get(i)[1];
        }
        return new Pictures.Series(s.name(), x, y);
    }
}
