package cpm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Targets, point sampling, the Hungarian matcher and the set criterion, against Java-double references. */
class MatchingTest {

    static NDManager mgr;
    static final int C = 3;

    @BeforeAll
    static void init() {
        mgr = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        mgr.close();
    }

    /** Two 4x4 label maps: image 0 has classes 0, 1, 2; image 1 has 0 and 2. */
    static final long[] LABELS = {
            0, 0, 1, 1,  0, 0, 1, 1,  2, 2, 0, 0,  2, 2, 0, 0,
            0, 0, 0, 0,  0, 2, 2, 0,  0, 2, 2, 0,  0, 0, 0, 0};

    static Targets targets() {
        return Targets.fromLabels(mgr.create(LABELS, new Shape(2, 4, 4)), C, 4, 4);
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void targetsListClassesAndMasks() {
        Targets t = targets();
        assertEquals(2, t.batchSize());
        assertArrayEquals(new int[]{0, 1, 2}, t.classes(0));
        assertArrayEquals(new int[]{0, 2}, t.classes(1));
        assertEquals(5, t.total());
        float[] m = t.masks(1).toFloatArray();
        for (int p = 0; p < 16; p++) {
            assertEquals(LABELS[16 + p] == 0 ? 1f : 0f, m[p]);
            assertEquals(LABELS[16 + p] == 2 ? 1f : 0f, m[16 + p]);
        }
        // nearest resize 4x4 -> 2x2 keeps source rows/cols 0 and 2
        Targets small = Targets.fromLabels(mgr.create(LABELS, new Shape(2, 4, 4)), C, 2, 2);
        assertArrayEquals(new float[]{0, 1, 0, 0}, small.masks(0).get(1).toFloatArray());
        assertArrayEquals(new float[]{0, 0, 1, 0}, small.masks(0).get(2).toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Targets.fromLabels(mgr.create(new long[]{0, 5}, new Shape(1, 1, 2)), C, 1, 2));
        assertTrue(e.getMessage().contains("found class 5"), e.getMessage());
    }

    @Test
    void pointSamplerIsBilinearWithZeroPadding() {
        // a map linear in the pixel coordinates is reproduced exactly inside; pixel centres are the identity
        int h = 5;
        int w = 7;
        float[] map = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                map[y * w + x] = 2f * x - 3f * y + 1f;
            }
        }
        NDArray maps = mgr.create(map, new Shape(1, h, w));
        assertArrayEquals(map, PointSampler.grid(h, w).sample(maps).toFloatArray(), 1e-5f);
        PointSampler s = PointSampler.uniform(200, new SplittableRandom(1));
        float[] got = s.sample(maps).toFloatArray();
        SplittableRandom again = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            double px = again.nextDouble() * w - 0.5;
            double py = again.nextDouble() * h - 0.5;
            if (px >= 0 && px <= w - 1 && py >= 0 && py <= h - 1) {
                assertEquals(2 * px - 3 * py + 1, got[i], 1e-4);
            }
        }
        // the corner (0,0) of the image lies between 4 pixels, 3 of them padding
        float[] one = {8f};
        PointSampler corner = PointSampler.grid(1, 1);
        assertEquals(8f, corner.sample(mgr.create(one, new Shape(1, 1, 1))).getFloat(0, 0), 1e-6);
    }

    /** grid_sample(align_corners=false, zeros) of one map at one point, in doubles. */
    static double bilinearRef(float[] map, int off, int h, int w, double px, double py) {
        double x = px * w - 0.5;
        double y = py * h - 0.5;
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double v = 0;
        for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
                int cx = x0 + dx;
                int cy = y0 + dy;
                if (cx >= 0 && cx < w && cy >= 0 && cy < h) {
                    v += (dx == 1 ? x - x0 : 1 - (x - x0)) * (dy == 1 ? y - y0 : 1 - (y - y0)) * map[off + cy * w + cx];
                }
            }
        }
        return v;
    }

    @Test
    void perRowSamplingAndUncertainPoints() {
        SplittableRandom rnd = new SplittableRandom(12);
        int m = 3;
        int h = 4;
        int w = 6;
        float[] map = new float[m * h * w];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) (rnd.nextDouble() * 8 - 4);
        }
        NDArray maps = mgr.create(map, new Shape(m, h, w));
        NDArray[] xy = PointSampler.uniformRows(mgr, m, 50, rnd);
        float[] xs = xy[0].toFloatArray();
        float[] ys = xy[1].toFloatArray();
        float[] got = PointSampler.sampleRows(maps, xy[0], xy[1]).toFloatArray();
        for (int r = 0; r < m; r++) {
            for (int p = 0; p < 50; p++) {
                assertEquals(bilinearRef(map, r * h * w, h, w, xs[r * 50 + p], ys[r * 50 + p]), got[r * 50 + p], 1e-4);
            }
        }
        // importance sampling: the kept 75% are the most uncertain (smallest |logit|) points of a 3x pool
        int points = 40;
        NDArray[] sel = PointSampler.uncertainRows(maps, points, 3.0, 0.75, new SplittableRandom(5));
        assertEquals(new Shape(m, points), sel[0].getShape());
        NDArray[] pool = PointSampler.uniformRows(mgr, m, 120, new SplittableRandom(5));   // same draws
        float[] px = pool[0].toFloatArray();
        float[] py = pool[1].toFloatArray();
        float[] sx = sel[0].toFloatArray();
        float[] sy = sel[1].toFloatArray();
        for (int r = 0; r < m; r++) {
            double[] u = new double[120];
            for (int p = 0; p < 120; p++) {
                u[p] = Math.abs(bilinearRef(map, r * h * w, h, w, px[r * 120 + p], py[r * 120 + p]));
            }
            double[] sorted = u.clone();
            java.util.Arrays.sort(sorted);
            double worstKept = 0;
            for (int p = 0; p < 30; p++) {
                worstKept = Math.max(worstKept, Math.abs(bilinearRef(map, r * h * w, h, w, sx[r * points + p],
                        sy[r * points + p])));
            }
            assertEquals(sorted[29], worstKept, 1e-4, "row " + r);
        }
    }

    /** Reference matching costs in Java doubles (all pixels), rows = b*N+q, cols = targets of the batch. */
    static double[][][] referenceCosts(float[] cls, float[] msk, int b, int n, Targets t, int hw) {
        int total = t.total();
        double[][] cc = new double[b * n][total];
        double[][] cm = new double[b * n][total];
        double[][] cd = new double[b * n][total];
        float[] tm = t.allMasks().toFloatArray();
        for (int row = 0; row < b * n; row++) {
            double z = 0;
            for (int c = 0; c <= C; c++) {
                z += Math.exp(cls[row * (C + 1) + c]);
            }
            for (int bb = 0; bb < b; bb++) {
                for (int k = 0; k < t.classes(bb).length; k++) {
                    int col = t.offset(bb) + k;
                    cc[row][col] = -Math.exp(cls[row * (C + 1) + t.classOf(bb, k)]) / z;
                    double bce = 0;
                    double inter = 0;
                    double ps = 0;
                    double ts = 0;
                    for (int p = 0; p < hw; p++) {
                        double x = msk[row * hw + p];
                        double y = tm[col * hw + p];
                        bce += -(y * Math.log(sig(x)) + (1 - y) * Math.log(1 - sig(x)));
                        inter += sig(x) * y;
                        ps += sig(x);
                        ts += y;
                    }
                    cm[row][col] = bce / hw;
                    cd[row][col] = 1 - (2 * inter + 1) / (ps + ts + 1);
                }
            }
        }
        return new double[][][]{cc, cm, cd};
    }

    static double bruteMin(double[][] c, int q, boolean[] used) {
        if (q == c.length) {
            int unassignedCols = 0;
            for (boolean u : used) {
                unassignedCols += u ? 0 : 1;
            }
            return unassignedCols == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        double best = bruteMin(c, q + 1, used);   // query q unmatched
        for (int j = 0; j < used.length; j++) {
            if (!used[j]) {
                used[j] = true;
                best = Math.min(best, c[q][j] + bruteMin(c, q + 1, used));
                used[j] = false;
            }
        }
        return best;
    }

    @Test
    void matcherCostsAndOptimalityAgainstReference() {
        Recipe r = Recipe.builder("t").set("matcher.points", 0).build();
        SplittableRandom rnd = new SplittableRandom(5);
        int b = 2;
        int n = 5;
        float[] cls = uniform(rnd, b * n * (C + 1), 2);
        float[] msk = uniform(rnd, b * n * 16, 3);
        Targets t = targets();
        HungarianMatcher matcher = new HungarianMatcher(r, 1);
        HungarianMatcher.Detailed d = matcher.matchDetailed(mgr.create(cls, new Shape(b, n, C + 1)),
                mgr.create(msk, new Shape(b, n, 4, 4)), t);
        double[][][] ref = referenceCosts(cls, msk, b, n, t, 16);
        Matching m = d.matching();
        assertEquals(5, d.table().rowCount());
        int pair = 0;
        for (int bb = 0; bb < b; bb++) {
            int k = t.classes(bb).length;
            assertEquals(k, m.queryIndex()[bb].length, "every target matched");
            double[][] c = new double[n][k];
            for (int q = 0; q < n; q++) {
                for (int j = 0; j < k; j++) {
                    int row = bb * n + q;
                    int col = t.offset(bb) + j;
                    c[q][j] = 2 * ref[0][row][col] + 5 * ref[1][row][col] + 5 * ref[2][row][col];
                }
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                int q = m.queryIndex()[bb][j];
                int tg = m.targetIndex()[bb][j];
                if (j > 0) {
                    assertTrue(q > m.queryIndex()[bb][j - 1], "pairs in query order");
                }
                HungarianMatcher.PairCost pc = d.pairs().get(pair++);
                int row = bb * n + q;
                int col = t.offset(bb) + tg;
                assertEquals(2 * ref[0][row][col], pc.classCost(), 1e-5);
                assertEquals(5 * ref[1][row][col], pc.maskCost(), 1e-4);
                assertEquals(5 * ref[2][row][col], pc.diceCost(), 1e-4);
                assertEquals(c[q][tg], m.costs()[bb][j], 1e-4);
                assertEquals(t.classOf(bb, tg), pc.targetClass());
                sum += c[q][tg];
            }
            assertEquals(bruteMin(c, 0, new boolean[k]), sum, 1e-4, "optimal matching of image " + bb);
        }
    }

    @Test
    void matcherRecoversPlantedQueriesAndIsSeeded() {
        Targets t = targets();
        int b = 2;
        int n = 6;
        int[][] planted = {{4, 1, 3}, {2, 5}};  // query planted for target k of each image
        float[] cls = new float[b * n * (C + 1)];
        float[] msk = new float[b * n * 16];
        java.util.Arrays.fill(msk, -8f);
        for (int bb = 0; bb < b; bb++) {
            for (int q = 0; q < n; q++) {
                cls[(bb * n + q) * (C + 1) + C] = 3f;   // no-object by default
            }
            float[] tm = t.masks(bb).toFloatArray();
            for (int k = 0; k < planted[bb].length; k++) {
                int q = planted[bb][k];
                cls[(bb * n + q) * (C + 1) + C] = 0f;
                cls[(bb * n + q) * (C + 1) + t.classOf(bb, k)] = 6f;
                for (int p = 0; p < 16; p++) {
                    msk[(bb * n + q) * 16 + p] = tm[k * 16 + p] > 0 ? 8f : -8f;
                }
            }
        }
        NDArray cl = mgr.create(cls, new Shape(b, n, C + 1));
        NDArray ml = mgr.create(msk, new Shape(b, n, 4, 4));
        for (int points : new int[]{0, 64}) {
            Recipe r = Recipe.builder("t").set("matcher.points", points).build();
            Matching m = new HungarianMatcher(r, 9).match(cl, ml, t);
            for (int bb = 0; bb < b; bb++) {
                for (int j = 0; j < m.queryIndex()[bb].length; j++) {
                    assertEquals(planted[bb][m.targetIndex()[bb][j]], m.queryIndex()[bb][j], "points " + points);
                }
            }
            Matching again = new HungarianMatcher(r, 9).match(cl, ml, t);
            assertArrayEquals(m.costs()[0], again.costs()[0], "same seed, same costs");
        }
    }

    @Test
    void criterionLayerLossMatchesReferenceAndHasGradient() {
        Recipe r = Recipe.builder("t").set("matcher.points", 0).build();
        SplittableRandom rnd = new SplittableRandom(8);
        int b = 2;
        int n = 4;
        float[] cls = uniform(rnd, b * n * (C + 1), 2);
        float[] msk = uniform(rnd, b * n * 16, 3);
        Targets t = targets();
        Matching m = new Matching(new int[][]{{0, 2, 3}, {1, 3}}, new int[][]{{2, 0, 1}, {1, 0}}, null);
        // reference: CE over all queries (unmatched -> no-object weight 0.1), focal + dice over matched, / 5 targets
        int[][] targetOf = {{2, -1, 0, 1}, {-1, 1, -1, 0}};
        double ceNum = 0;
        double ceDen = 0;
        double focal = 0;
        double dice = 0;
        float[] tm = t.allMasks().toFloatArray();
        for (int bb = 0; bb < b; bb++) {
            for (int q = 0; q < n; q++) {
                int row = bb * n + q;
                int k = targetOf[bb][q];
                int y = k < 0 ? C : t.classOf(bb, k);
                double z = 0;
                for (int c = 0; c <= C; c++) {
                    z += Math.exp(cls[row * (C + 1) + c]);
                }
                double w = k < 0 ? (double) 0.1f : 1;
                ceNum += w * (Math.log(z) - cls[row * (C + 1) + y]);
                ceDen += w;
                if (k >= 0) {
                    double[][] x = new double[1][16];
                    double[][] tt = new double[1][16];
                    for (int p = 0; p < 16; p++) {
                        x[0][p] = msk[row * 16 + p];
                        tt[0][p] = tm[(t.offset(bb) + k) * 16 + p];
                    }
                    focal += MaskLossesTest.focalRef(x, tt, 0.25, 2, 5);
                    dice += MaskLossesTest.diceRef(x, tt, 5);
                }
            }
        }
        SetCriterion crit = new SetCriterion(r, C, 3);
        NDArray cl = mgr.create(cls, new Shape(b, n, C + 1));
        NDArray ml = mgr.create(msk, new Shape(b, n, 4, 4));
        cl.setRequiresGradient(true);
        ml.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            LossTerms lt = crit.layerLoss(cl, ml, t, m);
            assertEquals(2 * ceNum / ceDen, lt.ce().getFloat(), 1e-5);
            assertEquals(5 * focal, lt.focal().getFloat(), 1e-5);
            assertEquals(5 * dice, lt.dice().getFloat(), 1e-5);
            assertEquals(lt.ce().getFloat() + lt.focal().getFloat() + lt.dice().getFloat(),
                    lt.total().getFloat(), 1e-5);
            gc.backward(lt.total());
        }
        float[] g = ml.getGradient().toFloatArray();
        for (int bb = 0; bb < b; bb++) {
            for (int q = 0; q < n; q++) {
                double norm = 0;
                for (int p = 0; p < 16; p++) {
                    norm += Math.abs(g[(bb * n + q) * 16 + p]);
                }
                assertEquals(targetOf[bb][q] >= 0, norm > 0, "mask gradient only for matched queries");
            }
        }
        // sampled points (Mask2Former importance sampling): deterministic for a seed, finite, with gradient
        Recipe sampled = Recipe.builder("t").set("matcher.points", 24).build();
        float a = new SetCriterion(sampled, C, 4).layerLoss(cl, ml, t, m).total().getFloat();
        float a2 = new SetCriterion(sampled, C, 4).layerLoss(cl, ml, t, m).total().getFloat();
        assertEquals(a, a2, 0f);
        assertTrue(Float.isFinite(a) && a > 0);
        // the fixed-target form (VCP) with the same assignment gives the same CE and mask terms
        // except the normaliser: supervised predictions (5) = targets (5) here
        LossTerms direct = crit.directLoss(cl, ml, t, targetOf);
        assertEquals(2 * ceNum / ceDen, direct.ce().getFloat(), 1e-5);
        assertEquals(5 * focal, direct.focal().getFloat(), 1e-5);
    }

    /** {@code len} values drawn uniformly from [-half, half) in order: random class or mask logits. */
    @Test
    void stackedDeepLossEqualsTheSumOfPerLayerMatchingAndLosses() {
        Recipe r = Recipe.builder("t").set("matcher.points", 0).build();
        SplittableRandom rnd = new SplittableRandom(21);
        int b = 2;
        int n = 4;
        int layers = 3;
        Targets t = targets();
        HungarianMatcher matcher = new HungarianMatcher(r, 5);
        SetCriterion crit = new SetCriterion(r, C, 3);
        float[][] grads = new float[2][];
        double[] totals = new double[2];
        Matching[] lastMatch = new Matching[2];
        List<float[]> cls = new java.util.ArrayList<>();
        List<float[]> msk = new java.util.ArrayList<>();
        for (int l = 0; l < layers; l++) {
            cls.add(uniform(rnd, b * n * (C + 1), 3));
            msk.add(uniform(rnd, b * n * 16, 4));
        }
        for (int way = 0; way < 2; way++) {
            List<NDArray> cl = new java.util.ArrayList<>();
            List<NDArray> ml = new java.util.ArrayList<>();
            NDArray leaf = mgr.create(new float[layers * b * n * 16], new Shape(layers, b, n, 4, 4));
            leaf.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (int l = 0; l < layers; l++) {
                    cl.add(mgr.create(cls.get(l), new Shape(b, n, C + 1)));
                    ml.add(leaf.get(l).add(mgr.create(msk.get(l), new Shape(b, n, 4, 4))));
                }
                NDArray total;
                if (way == 0) {
                    SetCriterion.DeepLoss d = crit.deepLoss(cl, ml, t, matcher);
                    total = d.terms().total();
                    lastMatch[0] = d.lastMatching();
                } else {
                    total = null;
                    for (int l = 0; l < layers; l++) {
                        Matching m = matcher.match(cl.get(l), ml.get(l), t);
                        NDArray x = crit.layerLoss(cl.get(l), ml.get(l), t, m).total();
                        total = total == null ? x : total.add(x);
                        lastMatch[1] = m;
                    }
                }
                totals[way] = total.getFloat();
                gc.backward(total);
            }
            grads[way] = leaf.getGradient().toFloatArray();
        }
        assertEquals(totals[1], totals[0], 1e-4 * Math.abs(totals[1]));
        assertArrayEquals(grads[1], grads[0], 1e-5f);
        for (int i = 0; i < b; i++) {
            assertArrayEquals(lastMatch[1].queryIndex()[i], lastMatch[0].queryIndex()[i]);
            assertArrayEquals(lastMatch[1].targetIndex()[i], lastMatch[0].targetIndex()[i]);
        }
    }

    static float[] uniform(SplittableRandom rnd, int len, double half) {
        float[] out = new float[len];
        for (int i = 0; i < len; i++) {
            out[i] = (float) (rnd.nextDouble() * 2 * half - half);
        }
        return out;
    }
}
