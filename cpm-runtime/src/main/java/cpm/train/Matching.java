package cpm.train;

/**
 * Result of the bipartite matching of one batch: for image b, query {@code queryIndex[b][j]} is matched to
 * target {@code targetIndex[b][j]} (an index into {@link Targets#classes(int)}), pairs in increasing query
 * order; {@code costs[b][j]} is the pair's total matching cost (for display).
 */
public record Matching(int[][] queryIndex, int[][] targetIndex, double[][] costs) {

    /** Number of matched pairs in the batch. */
    public int pairs() {
        int n = 0;
        for (int[] q : queryIndex) {
            n += q.length;
        }
        return n;
    }
}
