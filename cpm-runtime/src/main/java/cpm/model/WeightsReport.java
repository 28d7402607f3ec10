package cpm.model;

import java.nio.file.Path;
import java.util.List;

/**
 * What loading a pretrained file into one backbone matched (every load makes one; {@code ./cpm weights check}
 * prints it, training prints it and writes RUN/weights-report.txt): the tensors loaded (file key -> parameter),
 * those adapted to another shape (an RGB conv1 for a 1- or 2-channel spectrogram), the parameters the file lacks,
 * the keys whose shape differs, and the file's keys the model does not use (a classifier, num_batches_tracked).
 * Every parameter of the backbone is required: any missing or mismatched one fails the load.
 */
public record WeightsReport(String part, String modelPrefix, Path file, String format, String dtypes, String names,
                           boolean namesDetected, String filePrefix, List<Key> loaded, List<Key> adapted,
                           List<Key> missing, List<Key> mismatched, List<Key> unexpected) {

    /**
     * One tensor: its key in the file, the parameter it belongs to (null for an unexpected key), the shape in the
     * file (null when missing) and the shape the model expects (null when unexpected).
     */
    public record Key(String fileKey, String parameter, String found, String expected) {
    }

    /** Lines printed per list in the short form. */
    private static final int SHORT = 20;
    private static final String COUNTER = "num_batches_tracked";

    public WeightsReport {
        loaded = List.copyOf(loaded);
        adapted = List.copyOf(adapted);
        missing = List.copyOf(missing);
        mismatched = List.copyOf(mismatched);
        unexpected = List.copyOf(unexpected);
    }

    /** Whether every parameter found a tensor of its shape (or one adapted to it). */
    public boolean ok() {
        return missing.isEmpty() && mismatched.isEmpty();
    }

    public int required() {
        return loaded.size() + adapted.size() + missing.size() + mismatched.size();
    }

    /**
     * The failure in one message: the first shape mismatch (key, found, expected) or the first missing key, and how
     * many there are in all; null when the load matched.
     */
    public String problem() {
        if (ok()) {
            return null;
        }
        String counts = " (" + missing.size() + " missing, " + mismatched.size() + " with another shape, of "
                + required() + " required)";
        if (!mismatched.isEmpty()) {
            Key k = mismatched.get(0);
            return "pretrained weights " + file + ": key \"" + k.fileKey() + "\": found shape " + k.found()
                    + ", expected " + k.expected() + " (parameter " + k.parameter() + ")" + counts;
        }
        Key k = missing.get(0);
        return "pretrained weights " + file + ": missing key \"" + k.fileKey() + "\" (for parameter " + k.parameter()
                + ", shape " + k.expected() + "), names " + names + ", prefix \"" + filePrefix + "\"" + counts;
    }

    /** The report; {@code full} also lists every loaded tensor (the run folder's copy), else at most 20 per list. */
    public String text(boolean full) {
        StringBuilder sb = new StringBuilder();
        sb.append("pretrained weights for the ").append(part).append(" (").append(modelPrefix).append("*): ")
                .append(file).append('\n');
        sb.append("  format ").append(format).append(" (").append(dtypes).append("), names ").append(names)
                .append(namesDetected ? " (detected)" : " (image/audio.pretrainedNames)").append(", prefix \"")
                .append(filePrefix).append("\"\n");
        sb.append("  loaded ").append(loaded.size() + adapted.size()).append(" of ").append(required())
                .append(" required tensors\n");
        list(sb, "adapted", adapted, true, k -> k.fileKey() + " " + k.found() + " -> " + k.parameter() + " "
                + k.expected() + ": mean over the RGB input channels, repeated per audio channel");
        list(sb, "missing", missing, full, k -> k.fileKey() + " (parameter " + k.parameter() + ", shape "
                + k.expected() + ")");
        list(sb, "shape mismatches", mismatched, full, k -> k.fileKey() + ": found " + k.found() + ", expected "
                + k.expected() + " (parameter " + k.parameter() + ")");
        if (full) {
            list(sb, "unexpected (not used)", unexpected, true, k -> k.fileKey() + " " + k.found());
        } else { // the batch norms' step counters are no weights: counted, not listed
            List<Key> other = unexpected.stream().filter(k -> !k.fileKey().endsWith(COUNTER)).toList();
            list(sb, "unexpected (not used)", unexpected.size(), other, SHORT, k -> k.fileKey() + " " + k.found());
            if (other.size() < unexpected.size()) {
                sb.append("    ").append(unexpected.size() - other.size()).append(" x ").append(COUNTER).append('\n');
            }
        }
        if (full) {
            list(sb, "loaded tensors", loaded, true, k -> k.fileKey() + " -> " + k.parameter() + " " + k.expected());
        }
        sb.append("  result: ").append(ok() ? "full match" : "NOT loaded: " + missing.size() + " missing, "
                + mismatched.size() + " with another shape").append('\n');
        return sb.toString();
    }

    private static void list(StringBuilder sb, String title, List<Key> keys, boolean all,
                             java.util.function.Function<Key, String> line) {
        list(sb, title, keys.size(), keys, all ? Integer.MAX_VALUE : SHORT, line);
    }

    /** The title with {@code count}, then a line per key of {@code shown} up to {@code limit}, and how many are left. */
    private static void list(StringBuilder sb, String title, int count, List<Key> shown, int limit,
                             java.util.function.Function<Key, String> line) {
        sb.append("  ").append(title).append(": ").append(count).append('\n');
        int n = Math.min(shown.size(), limit);
        for (int i = 0; i < n; i++) {
            sb.append("    ").append(line.apply(shown.get(i))).append('\n');
        }
        if (n < shown.size()) {
            sb.append("    ... and ").append(shown.size() - n).append(" more\n");
        }
    }
}
