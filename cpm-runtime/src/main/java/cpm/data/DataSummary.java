package cpm.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * What {@code ./cpm data check} found in a data set: clips and labelled frames per split, the classes, and
 * the range of image sizes, audio durations, sample rates and channel counts of the files that decoded.
 */
public final class DataSummary {

    private final Map<String, Integer> clips = new LinkedHashMap<>();
    private final Map<String, Integer> frames = new LinkedHashMap<>();
    private List<String> classes = List.of();
    private boolean binary;
    private int minW, minH, maxW, maxH;
    private long images;
    private double minSeconds = Double.POSITIVE_INFINITY, maxSeconds;
    private int minRate = Integer.MAX_VALUE, maxRate;
    private final TreeSet<Integer> channels = new TreeSet<>();

    DataSummary() {
        for (String s : ClipRows.SPLITS) {
            clips.put(s, 0);
            frames.put(s, 0);
        }
    }

    void classes(List<String> names, boolean binaryMasks) {
        this.classes = names == null ? List.of() : List.copyOf(names);
        this.binary = binaryMasks;
    }

    void clip(ClipDataset.Clip c) {
        clips.merge(c.split(), 1, Integer::sum);
        frames.merge(c.split(), (int) c.labels().stream().filter(java.util.Objects::nonNull).count(), Integer::sum);
    }

    void image(int w, int h) {
        long px = (long) w * h;
        if (images == 0 || px < (long) minW * minH) {
            minW = w;
            minH = h;
        }
        if (images == 0 || px > (long) maxW * maxH) {
            maxW = w;
            maxH = h;
        }
        images++;
    }

    void audio(WavIO.Wav w) {
        double s = (double) w.length() / w.sampleRate();
        minSeconds = Math.min(minSeconds, s);
        maxSeconds = Math.max(maxSeconds, s);
        minRate = Math.min(minRate, w.sampleRate());
        maxRate = Math.max(maxRate, w.sampleRate());
        channels.add(w.channels());
    }

    /** Clips listed for a split (train, val, test), problems or not. */
    public int clips(String split) {
        return clips.getOrDefault(split, 0);
    }

    /** Labelled frames (items) of a split's clips. */
    public int labelledFrames(String split) {
        return frames.getOrDefault(split, 0);
    }

    public List<String> classes() {
        return classes;
    }

    /** The summary as indented lines. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "  %-16s %s", "clips", perSplit(clips)));
        out.add(String.format(Locale.ROOT, "  %-16s %s", "labelled frames", perSplit(frames)));
        out.add(String.format(Locale.ROOT, "  %-16s %s", "classes", classes.isEmpty() ? "unknown (no valid class map)"
                : classes.size() + (binary ? " (binary masks)" : "") + ": " + String.join(", ", classes)));
        out.add(String.format(Locale.ROOT, "  %-16s %s", "image sizes", images == 0 ? "none decoded"
                : range(minW + "x" + minH, maxW + "x" + maxH) + " (" + images + " labelled frames decoded)"));
        if (channels.isEmpty()) {
            out.add(String.format(Locale.ROOT, "  %-16s %s", "audio", "none decoded"));
        } else {
            out.add(String.format(Locale.ROOT, "  %-16s %s s, %s Hz, %s", "audio",
                    range(String.format(Locale.ROOT, "%.2f", minSeconds), String.format(Locale.ROOT, "%.2f", maxSeconds)),
                    range(String.valueOf(minRate), String.valueOf(maxRate)),
                    channels.size() == 2 ? "mono and stereo" : channels.first() == 1 ? "mono" : "stereo"));
        }
        return out;
    }

    private static String range(String lo, String hi) {
        return lo.equals(hi) ? lo : lo + " to " + hi;
    }

    private static String perSplit(Map<String, Integer> m) {
        int total = m.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder sb = new StringBuilder().append(total);
        String sep = ": ";
        for (Map.Entry<String, Integer> e : m.entrySet()) {
            if (e.getValue() > 0) {
                sb.append(sep).append(e.getKey()).append(' ').append(e.getValue());
                sep = ", ";
            }
        }
        return sb.toString();
    }
}
