package cpm.train;

/**
 * Dense rectangular linear assignment: the Hungarian method with row and column potentials in the
 * Jonker-Volgenant shortest-augmenting-path form, O(n^2 m) for n = min(rows, cols), m = max.
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
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) {
            if (cost[i].length != cols) {
                throw new IllegalArgumentException("cost matrix row " + i + " has " + cost[i].length
                        + " columns, expected " + cols + " (a rectangular matrix)");
            }
            for (int j = 0; j < cols; j++) {
                double c = cost[i][j];
                if (Double.isNaN(c) || c == Double.NEGATIVE_INFINITY) {
                    throw new IllegalArgumentException("cost[" + i + "][" + j + "] = " + c
                            + ", expected a finite number or +Infinity (forbidden)");
                }
                if (c != Double.POSITIVE_INFINITY) {
                    min = Math.min(min, c);
                    max = Math.max(max, c);
                }
            }
        }
        int[] result = new int[rows];
        java.util.Arrays.fill(result, -1);
        if (cols == 0 || min == Double.POSITIVE_INFINITY) {
            return result;
        }
        // A forbidden pair costs more than the spread of any assignment of finite pairs.
        int pairs = Math.min(rows, cols);
        double big = max + (max - min + 1.0) * (pairs + 1);
        boolean transpose = rows > cols;
        int n = transpose ? cols : rows;
        int m = transpose ? rows : cols;
        double[][] a = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double c = transpose ? cost[j][i] : cost[i][j];
                a[i][j] = c == Double.POSITIVE_INFINITY ? big : c;
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

    /** n <= m: assigns every row; returns for each column its row or -1. Potentials u (rows), v (columns). */
    private static int[] solveWide(double[][] a, int n, int m) {
        double[] u = new double[n + 1];
        double[] v = new double[m + 1];
        int[] p = new int[m + 1];      // p[j]: row (1-based) matched to column j; column 0 is the virtual root
        int[] way = new int[m + 1];
        double[] minv = new double[m + 1];
        boolean[] used = new boolean[m + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            java.util.Arrays.fill(minv, Double.POSITIVE_INFINITY);
            java.util.Arrays.fill(used, false);
            do {
                used[j0] = true;
                int i0 = p[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = -1;
                for (int j = 1; j <= m; j++) {
                    if (!used[j]) {
                        double cur = a[i0 - 1][j - 1] - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= m; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] rowOfCol = new int[m];
        for (int j = 1; j <= m; j++) {
            rowOfCol[j - 1] = p[j] - 1;
        }
        return rowOfCol;
    }
}
