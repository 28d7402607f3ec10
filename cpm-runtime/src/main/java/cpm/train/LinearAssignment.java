package cpm.train;

/**
 * Dense rectangular linear assignment: the Hungarian method with row and column potentials in the
 * shortest-augmenting-path form (Jonker-Volgenant, as Crouse 2016 / scipy), O(n^2 m) for n = min(rows, cols),
 * m = max.
 *
 * <p>Hand-written because neither DJL nor EJML offers an assignment solver, the matrices in set matching are
 * small (queries x targets, about 100 x 10), and Mask2Former's matcher relies on scipy's exact
 * {@code linear_sum_assignment}; an approximate (auction, greedy) matcher would change the training targets.
 *
 * <p>Forbidden pairs are {@code +Infinity}: they are replaced by a cost larger than any assignment of finite
 * entries can reach, so the solver first minimises the number of forbidden pairs it must use and then the
 * finite cost; pairs that still land on a forbidden entry are reported as unassigned (-1). Ties are broken
 * deterministically (strict comparisons in index order), so the same matrix always gives the same answer.
 */
public final class LinearAssignment {

    private LinearAssignment() {
    }

    /**
     * Minimum-cost assignment of rows to columns, each used at most once, min(rows, cols) pairs.
     *
     * @param cost rows x cols matrix; entries finite or +Infinity (forbidden)
     * @return for each row the assigned column, or -1 when the row is unassigned
     */
    public static int[] solve(double[][] cost) {
        int rows = cost.length;
        if (rows == 0) {
            return new int[0];
        }
        int cols = cost[0].length;
        boolean transpose = rows > cols;
        int n = transpose ? cols : rows;
        int m = transpose ? rows : cols;
        // one pass: check, copy (transposed so that rows <= columns) and find the range of the finite costs
        double[] a = new double[n * m];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean forbidden = false;
        for (int i = 0; i < rows; i++) {
            double[] row = cost[i];
            if (row.length != cols) {
                throw new IllegalArgumentException("cost matrix row " + i + " has " + row.length
                        + " columns, expected " + cols + " (a rectangular matrix)");
            }
            for (int j = 0; j < cols; j++) {
                double c = row[j];
                if (c < min) {
                    min = c;
                }
                if (c > max) {
                    if (c == Double.POSITIVE_INFINITY) {
                        forbidden = true;
                    } else {
                        max = c;
                    }
                }
                if (!(c > Double.NEGATIVE_INFINITY)) {         // NaN or -Infinity
                    throw new IllegalArgumentException("cost[" + i + "][" + j + "] = " + c
                            + ", expected a finite number or +Infinity (forbidden)");
                }
                a[transpose ? j * m + i : i * m + j] = c;
            }
        }
        int[] result = new int[rows];
        java.util.Arrays.fill(result, -1);
        if (cols == 0 || min == Double.POSITIVE_INFINITY) {
            return result;
        }
        if (forbidden) {
            // A forbidden pair costs more than the spread of any assignment of finite pairs.
            int pairs = Math.min(rows, cols);
            double big = max + (max - min + 1.0) * (pairs + 1);
            for (int k = 0; k < a.length; k++) {
                if (a[k] == Double.POSITIVE_INFINITY) {
                    a[k] = big;
                }
            }
        }
        int[] rowOfCol = solveWide(a, n, m);
        for (int j = 0; j < m; j++) {
            int i = rowOfCol[j];
            if (i < 0) {
                continue;
            }
            int r = transpose ? j : i;
            int c = transpose ? i : j;
            if (cost[r][c] != Double.POSITIVE_INFINITY) {
                result[r] = c;
            }
        }
        return result;
    }

    /**
     * n <= m: assigns every row; returns for each column its row or -1. Shortest augmenting paths with row and
     * column potentials (Crouse 2016, the method of scipy's linear_sum_assignment): each row's Dijkstra search
     * scans only the columns not yet reached, and the potentials are updated once per augmentation rather than at
     * every step of the search (bench/NOTES.md). Ties go to an unassigned column, else to the first in scan order.
     *
     * <p>The columns not yet reached are kept compacted in "position space" (their ids, tentative distances,
     * potentials and predecessors side by side, a reached column swapped out with the last one), so the hot loop
     * reads four arrays sequentially and only the cost row through an index (bench/NOTES.md, change 11).
     *
     * @param a n x m costs, row-major
     */
    private static int[] solveWide(double[] a, int n, int m) {
        double[] u = new double[n];
        double[] v = new double[m];
        double[] dist = new double[m];     // column space: final distance of each column reached in this search
        int[] path = new int[m];           // column space: the row from which each reached column was reached
        int[] col4row = new int[n];
        int[] row4col = new int[m];
        int[] remCol = new int[m];         // position space: the columns not yet reached, and their
        double[] remDist = new double[m];  // tentative distances,
        double[] remV = new double[m];     // potentials
        int[] remPath = new int[m];        // and predecessors
        int[] reachedCols = new int[m];
        int[] reachedRows = new int[n];
        java.util.Arrays.fill(col4row, -1);
        java.util.Arrays.fill(row4col, -1);
        for (int cur = 0; cur < n; cur++) {
            int left = m;
            int nCols = 0;
            int nRows = 0;
            double minVal = 0;
            int i = cur;
            int sink = -1;
            boolean first = true;          // the first scan sets every column's distance (no infinity fill)
            while (sink < 0) {
                reachedRows[nRows++] = i;
                int index = -1;
                double lowest = Double.POSITIVE_INFINITY;
                double base = minVal - u[i];
                int off = i * m;
                if (first) {
                    // also fills position space: every column, from the last one (the original search's order,
                    // kept so that ties give the same answers)
                    for (int k = 0; k < m; k++) {
                        int j = m - 1 - k;
                        double vj = v[j];
                        double r = base + a[off + j] - vj;
                        remCol[k] = j;
                        remV[k] = vj;
                        remPath[k] = i;
                        remDist[k] = r;
                        if (r <= lowest && (r < lowest || row4col[j] < 0)) {   // ties are rare: one compare
                            lowest = r;
                            index = k;
                        }
                    }
                    first = false;
                } else {
                    for (int k = 0; k < left; k++) {
                        int j = remCol[k];
                        double r = base + a[off + j] - remV[k];
                        double d = remDist[k];
                        if (r < d) {
                            remPath[k] = i;
                            remDist[k] = r;
                            d = r;
                        }
                        if (d <= lowest && (d < lowest || row4col[j] < 0)) {
                            lowest = d;
                            index = k;
                        }
                    }
                }
                minVal = lowest;
                int j = remCol[index];
                dist[j] = remDist[index];
                path[j] = remPath[index];
                reachedCols[nCols++] = j;
                if (row4col[j] < 0) {
                    sink = j;
                } else {
                    i = row4col[j];
                }
                left--;
                remCol[index] = remCol[left];
                remDist[index] = remDist[left];
                remV[index] = remV[left];
                remPath[index] = remPath[left];
            }
            u[cur] += minVal;
            for (int k = 1; k < nRows; k++) {         // reachedRows[0] == cur
                int r = reachedRows[k];
                u[r] += minVal - dist[col4row[r]];
            }
            for (int k = 0; k < nCols; k++) {
                int c = reachedCols[k];
                v[c] -= minVal - dist[c];
            }
            int j = sink;
            while (true) {
                int r = path[j];
                row4col[j] = r;
                int prev = col4row[r];
                col4row[r] = j;
                j = prev;
                if (r == cur) {
                    break;
                }
            }
        }
        return row4col;
    }
}
