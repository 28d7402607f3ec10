package cpm.diag;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bipartite matching stability score STS (Sec. 4.5). Over a window of training, for every item the class
 * assigned by Hungarian matching to each of the N class-agnostic queries is recorded (no-object, index C, is a
 * label of its own); an item recorded again replaces its earlier row, so R has one row per item (D x N). For
 * class c, s_c(n) = #{d : R(d, n) = c}, normalised over n; STS = (1/C) sum_{c=1..C} H(s_c) in nats, over the
 * semantic classes seen (the paper's sum runs over the C classes; the no-object label is recorded, shown by
 * {@link #perClass()}, but not averaged, since with N queries and few objects it sits near ln N whatever the
 * model does). Lower is more stable: a class always matched to the same query has entropy 0, a class spread
 * uniformly over all N queries ln N.
 */
public final class MatchingStability {

    private final int numQueries;
    private final int numClasses;
    private final Map<String, int[]> rows = new LinkedHashMap<>();
    private final long[][] counts; // [class 0..C][query]

    /** @param numClasses C, background included, no-object excluded (labels 0..C are accepted) */
    public MatchingStability(int numQueries, int numClasses) {
        if (numQueries < 1 || numClasses < 1) {
            throw new IllegalArgumentException("MatchingStability: numQueries and numClasses must be >= 1, found "
                    + numQueries + ", " + numClasses);
        }
        this.numQueries = numQueries;
        this.numClasses = numClasses;
        this.counts = new long[numClasses + 1][numQueries];
    }

    /** Records (or replaces) one item's assignment: the class of each query, numClasses for no-object. */
    public void record(String itemId, int[] assignedClassPerQuery) {
        if (assignedClassPerQuery.length != numQueries) {
            throw new IllegalArgumentException("STS: item " + itemId + " has " + assignedClassPerQuery.length
                    + " assignments, expected " + numQueries + " (one per query)");
        }
        for (int c : assignedClassPerQuery) {
            if (c < 0 || c > numClasses) {
                throw new IllegalArgumentException("STS: item " + itemId + " has class " + c + ", expected 0.."
                        + numClasses);
            }
        }
        int[] old = rows.put(itemId, assignedClassPerQuery.clone());
        if (old != null) {
            for (int n = 0; n < numQueries; n++) {
                counts[old[n]][n]--;
            }
        }
        for (int n = 0; n < numQueries; n++) {
            counts[assignedClassPerQuery[n]][n]++;
        }
    }

    /** Number of items recorded in the window. */
    public int items() {
        return rows.size();
    }

    /** STS: mean entropy (nats) over the semantic classes seen; NaN when none was recorded. */
    public double score() {
        double sum = 0;
        int seen = 0;
        for (int c = 0; c < numClasses; c++) {
            double h = entropy(counts[c]);
            if (!Double.isNaN(h)) {
                sum += h;
                seen++;
            }
        }
        return seen == 0 ? Double.NaN : sum / seen;
    }

    /** The window's rows as text (one line per item: id, tab, comma-separated classes), for checkpoints. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        rows.forEach((id, r) -> {
            sb.append(id.replace('\t', ' ').replace('\n', ' ')).append('\t');
            for (int n = 0; n < r.length; n++) {
                sb.append(n == 0 ? "" : ",").append(r[n]);
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    /** Replaces the window by one written by {@link #toText()}. */
    public void loadText(String text) {
        reset();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int tab = line.lastIndexOf('\t');
            if (tab < 0) {
                throw new IllegalArgumentException("STS state: found line \"" + line + "\", expected id<TAB>classes");
            }
            String[] cells = line.substring(tab + 1).split(",");
            int[] r = new int[cells.length];
            for (int n = 0; n < r.length; n++) {
                r[n] = Integer.parseInt(cells[n]);
            }
            record(line.substring(0, tab), r);
        }
    }

    public void reset() {
        rows.clear();
        for (long[] r : counts) {
            java.util.Arrays.fill(r, 0);
        }
    }

    /**
     * Per class seen: class (C = no-object), assignments, entropy (nats), the query it is most often matched to
     * and that query's share.
     */
    public Table perClass() {
        IntColumn cls = IntColumn.create("class");
        IntColumn assignments = IntColumn.create("assignments");
        DoubleColumn entropy = DoubleColumn.create("entropy");
        IntColumn top = IntColumn.create("topQuery");
        DoubleColumn share = DoubleColumn.create("topShare");
        for (int c = 0; c <= numClasses; c++) {
            long total = 0;
            int best = 0;
            for (int n = 0; n < numQueries; n++) {
                total += counts[c][n];
                if (counts[c][n] > counts[c][best]) {
                    best = n;
                }
            }
            if (total == 0) {
                continue;
            }
            cls.append(c);
            assignments.append((int) total);
            entropy.append(entropy(counts[c]));
            top.append(best);
            share.append(counts[c][best] / (double) total);
        }
        return Table.create("sts", cls, assignments, entropy, top, share);
    }

    /** H of the normalised counts in nats; NaN for all-zero counts. */
    static double entropy(long[] c) {
        long total = 0;
        for (long v : c) {
            total += v;
        }
        if (total == 0) {
            return Double.NaN;
        }
        double h = 0;
        for (long v : c) {
            if (v > 0) {
                double p = v / (double) total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
