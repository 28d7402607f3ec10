package cpm.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The IoU of one picture's prediction, so a reader can tell a good overlay from a bad one without counting
 * pixels: per class c > 0 present in the truth or the prediction, |g = c and p = c| / |g = c or p = c|, and their
 * mean. An image where neither shows any object has no IoU (NaN).
 *
 * @param classes the classes scored, ascending
 * @param ious    their IoUs, in the same order
 */
public record ImageIou(List<Integer> classes, List<Double> ious) {

    public ImageIou {
        classes = List.copyOf(classes);
        ious = List.copyOf(ious);
    }

    /** Scores a prediction {@code p} against the truth {@code g} (class per pixel, same length). */
    public static ImageIou of(long[] g, long[] p) {
        if (g.length != p.length) {
            throw new IllegalArgumentException("truth has " + g.length + " pixels, prediction " + p.length);
        }
        TreeSet<Integer> present = new TreeSet<>();
        for (int i = 0; i < g.length; i++) {
            if (g[i] > 0) {
                present.add((int) g[i]);
            }
            if (p[i] > 0) {
                present.add((int) p[i]);
            }
        }
        List<Integer> cls = new ArrayList<>(present);
        List<Double> iou = new ArrayList<>();
        for (int c : cls) {
            long inter = 0;
            long union = 0;
            for (int i = 0; i < g.length; i++) {
                boolean a = g[i] == c;
                boolean b = p[i] == c;
                inter += a && b ? 1 : 0;
                union += a || b ? 1 : 0;
            }
            iou.add(inter / (double) union);
        }
        return new ImageIou(cls, iou);
    }

    /** The mean over the scored classes; NaN when no class was in truth or prediction. */
    public double mean() {
        return ious.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** {@code IoU 0.620}, or {@code IoU n/a (no object)}. */
    public String brief() {
        return Double.isNaN(mean()) ? "IoU n/a (no object)" : String.format(Locale.ROOT, "IoU %.3f", mean());
    }

    /** {@code IoU 0.620 (bell 0.700, dog 0.540)}: the mean and each class by name. */
    public String detail(List<String> names) {
        if (classes.isEmpty()) {
            return brief();
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            int c = classes.get(i);
            String name = c < names.size() ? names.get(c) : "class " + c;
            parts.add(String.format(Locale.ROOT, "%s %.3f", name, ious.get(i)));
        }
        return brief() + " (" + String.join(", ", parts) + ")";
    }
}
