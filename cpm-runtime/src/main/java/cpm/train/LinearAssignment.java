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
     * every step of the search (bench/NOTES.md). Ties go to an unassigned column, else to the lowest index.
     *
     * @param a n x m costs, row-major
     */
    private static int[] solveWide(double[] a, int n, int m) {
        double[] u = new double[n];
        double[] v = new double[m];
        double[] dist = new double[m];     // shortest path cost from the current row to each column
        int[] path = new int[m];           // the row from which each column was reached
        int[] col4row = new int[n];
        int[] row4col = new int[m];
        int[] remaining = new int[m];
        int[] rowSeen = new int[n];        // == cur + 1 when reached in the search for row cur (no clearing)
        int[] colSeen = new int[m];
        java.util.Arrays.fill(col4row, -1);
        java.util.Arrays.fill(row4col, -1);
        for (int cur = 0; cur < n; cur++) {
            int stamp = cur + 1;
            int left = m;
            for (int k = 0; k < m; k++) {
                remaining[k] = m - 1 - k;  // scanned from the end: the lowest index wins ties
            }
            double minVal = 0;
            int i = cur;
            int sink = -1;
            boolean first = true;          // the first scan sets every column's distance (no infinity fill)
            while (sink < 0) {
                rowSeen[i] = stamp;
                int index = -1;
                double lowest = Double.POSITIVE_INFINITY;
                double base = minVal - u[i];
                int off = i * m;
                for (int k = 0; k < left; k++) {
                    int j = remaining[k];
                    double r = base + a[off + j] - v[j];
                    if (first || r < dist[j]) {
                        path[j] = i;
                        dist[j] = r;
                    }
                    double d = dist[j];
                    if (d < lowest || (d == lowest && row4col[j] < 0)) {
                        lowest = d;
                        index = k;
                    }
                }
                first = false;
                minVal = lowest;
                int j = remaining[index];
                if (row4col[j] < 0) {
                    sink = j;
                } else {
                    i = row4col[j];
                }
                colSeen[j] = stamp;
                remaining[index] = remaining[--left];
            }
            u[cur] += minVal;
            for (int r = 0; r < n; r++) {
                if (rowSeen[r] == stamp && r != cur) {
                    u[r] += minVal - dist[col4row[r]];
                }
            }
            for (int c = 0; c < m; c++) {
                if (colSeen[c] == stamp) {
                    v[c] -= minVal - dist[c];
                }
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
