package cpm.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class LinearAssignmentTest {

    /** Brute force over every injective map of the smaller side into the larger: {forbidden count, finite sum}. */
    private static double[] bruteForce(double[][] c) {
        int rows = c.length;
        int cols = c[0].length;
        double[] best = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        boolean[] used = new boolean[Math.max(rows, cols)];
        recurse(c, rows <= cols, 0, used, 0, 0, best);
        return best;
    }

    private static void recurse(double[][] c, boolean byRow, int k, boolean[] used, int forbidden, double sum,
                                double[] best) {
        int n = byRow ? c.length : c[0].length;
        int m = byRow ? c[0].length : c.length;
        if (k == n) {
            if (forbidden < best[0] || (forbidden == best[0] && sum < best[1] - 1e-12)) {
                best[0] = forbidden;
                best[1] = sum;
            }
            return;
        }
        for (int j = 0; j < m; j++) {
            if (!used[j]) {
                used[j] = true;
                double v = byRow ? c[k][j] : c[j][k];
                if (v == Double.POSITIVE_INFINITY) {
                    recurse(c, byRow, k + 1, used, forbidden + 1, sum, best);
                } else {
                    recurse(c, byRow, k + 1, used, forbidden, sum + v, best);
                }
                used[j] = false;
            }
        }
    }

    private static void checkValid(double[][] c, int[] a) {
        assertEquals(c.length, a.length);
        boolean[] seen = new boolean[c[0].length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] >= 0) {
                assertFalse(seen[a[i]], "column used twice");
                seen[a[i]] = true;
                assertTrue(Double.isFinite(c[i][a[i]]), "forbidden pair reported");
            }
        }
    }

    @Test
    void matchesBruteForceOnManySmallMatrices() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 3000; trial++) {
            int rows = 1 + rnd.nextInt(6);
            int cols = 1 + rnd.nextInt(6);
            int kind = trial % 4; // 0 real, 1 small integers (many ties), 2 with forbidden, 3 all equal
            double[][] c = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    c[i][j] = switch (kind) {
                        case 0 -> rnd.nextDouble() * 10 - 5;
                        case 1 -> rnd.nextInt(3);
                        case 2 -> rnd.nextInt(4) == 0 ? Double.POSITIVE_INFINITY : rnd.nextInt(5) - 2;
                        default -> 1.5;
                    };
                }
            }
            int[] a = LinearAssignment.solve(c);
            checkValid(c, a);
            double[] best = bruteForce(c);
            int assigned = 0;
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                if (a[i] >= 0) {
                    assigned++;
                    sum += c[i][a[i]];
                }
            }
            int pairs = Math.min(rows, cols);
            assertEquals(pairs - (int) best[0], assigned, "pairs assigned, trial " + trial);
            assertEquals(best[1], sum, 1e-9, "optimal cost, trial " + trial + " " + Arrays.deepToString(c));
            assertArrayEquals(a, LinearAssignment.solve(c), "deterministic");
        }
    }

    @Test
    void edgeCases() {
        assertArrayEquals(new int[0], LinearAssignment.solve(new double[0][0]));
        assertArrayEquals(new int[]{-1, -1}, LinearAssignment.solve(new double[2][0]));
        double inf = Double.POSITIVE_INFINITY;
        assertArrayEquals(new int[]{-1}, LinearAssignment.solve(new double[][]{{inf, inf}}));
        // ties: identical costs, always the same answer
        assertArrayEquals(new int[]{0, 1}, LinearAssignment.solve(new double[][]{{1, 1}, {1, 1}}));
        assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[][]{{Double.NaN}}));
        assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[][]{{1, 2}, {3}}));
    }

    /** Independent second method: successive shortest paths (Bellman-Ford queue) on the bipartite flow network. */
    private static long minCostFlow(long[][] c) {
        int n = c.length;
        int m = c[0].length;
        int src = n + m;
        int sink = n + m + 1;
        int nodes = n + m + 2;
        // edges: src->row (n), row->col (n*m), col->sink (m), each with a reverse edge
        int edges = 2 * (n + n * m + m);
        int[] to = new int[edges];
        int[] cap = new int[edges];
        long[] cost = new long[edges];
        int[] next = new int[edges];
        int[] head = new int[nodes];
        Arrays.fill(head, -1);
        int[] e = {0};
        class Adder {
            void add(int u, int v, long w) {
                to[e[0]] = v; cap[e[0]] = 1; cost[e[0]] = w; next[e[0]] = head[u]; head[u] = e[0]++;
                to[e[0]] = u; cap[e[0]] = 0; cost[e[0]] = -w; next[e[0]] = head[v]; head[v] = e[0]++;
            }
        }
        Adder add = new Adder();
        for (int i = 0; i < n; i++) {
            add.add(src, i, 0);
            for (int j = 0; j < m; j++) {
                add.add(i, n + j, c[i][j]);
            }
        }
        for (int j = 0; j < m; j++) {
            add.add(n + j, sink, 0);
        }
        long total = 0;
        for (int flow = 0; flow < Math.min(n, m); flow++) {
            long[] dist = new long[nodes];
            Arrays.fill(dist, Long.MAX_VALUE);
            int[] prevEdge = new int[nodes];
            boolean[] inQueue = new boolean[nodes];
            ArrayDeque<Integer> q = new ArrayDeque<>();
            dist[src] = 0;
            q.add(src);
            while (!q.isEmpty()) {
                int u = q.poll();
                inQueue[u] = false;
                for (int k = head[u]; k >= 0; k = next[k]) {
                    if (cap[k] > 0 && dist[u] + cost[k] < dist[to[k]]) {
                        dist[to[k]] = dist[u] + cost[k];
                        prevEdge[to[k]] = k;
                        if (!inQueue[to[k]]) {
                            inQueue[to[k]] = true;
                            q.add(to[k]);
                        }
                    }
                }
            }
            for (int v = sink; v != src; v = to[prevEdge[v] ^ 1]) {
                cap[prevEdge[v]]--;
                cap[prevEdge[v] ^ 1]++;
            }
            total += dist[sink];
        }
        return total;
    }

    @Test
    void largeMatrixEqualsMinCostFlow() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int[] size : new int[][]{{300, 300}, {120, 300}, {300, 90}}) {
            long[][] c = new long[size[0]][size[1]];
            double[][] d = new double[size[0]][size[1]];
            for (int i = 0; i < size[0]; i++) {
                for (int j = 0; j < size[1]; j++) {
                    c[i][j] = rnd.nextInt(1000);
                    d[i][j] = c[i][j];
                }
            }
            int[] a = LinearAssignment.solve(d);
            checkValid(d, a);
            long sum = 0;
            int assigned = 0;
            for (int i = 0; i < a.length; i++) {
                if (a[i] >= 0) {
                    sum += c[i][a[i]];
                    assigned++;
                }
            }
            assertEquals(Math.min(size[0], size[1]), assigned);
            assertEquals(minCostFlow(c), sum, "optimal value " + Arrays.toString(size));
        }
    }
}
