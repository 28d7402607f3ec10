package cpm.train;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import cpm.nn.HostCopies;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import cpm.dsl.Recipe;
import cpm.dsl.Sections;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mask2Former's bipartite matcher (Sec. 3.1): cost = classCost * (-p(c)) + maskCost * sigmoid-BCE +
 * diceCost * dice, the mask terms on {@code matcher.points} uniform random points (the same points for
 * predictions and targets; 0 = every pixel at mask resolution). The costs of the whole batch (all B*N queries
 * against all targets) are computed with a handful of tensor ops without gradient; then each image's small
 * N x K_b block is copied to Java and solved exactly by {@link LinearAssignment}.
 */
public final class HungarianMatcher {

    private final double classCost;
    private final double maskCost;
    private final double diceCost;
    private final int points;
    private SplittableRandom rnd;

    /** A prediction whose matching cost is not finite (the network's outputs are NaN or infinite). */
    public static final class NonFiniteCostException extends ArithmeticException {
        NonFiniteCostException(int image, int query, int target, double cost) {
            super("matcher: cost of image " + image + " query " + query + " target " + target + " is " + cost
                    + " (non-finite network outputs)");
        }
    }

    /** Cost terms of one matched pair (the REPL's {@code :match} table). */
    public record PairCost(int image, int query, int target, int targetClass, double classCost, double maskCost,
                           double diceCost, double total) {
    }

    /** The matching and the cost terms of every matched pair. */
    public record Detailed(Matching matching, List<PairCost> pairs) {

        /** One row per matched pair: image, query, target, class, weighted class/mask/dice costs, total. */
        public Table table() {
            Table t = Table.create("matching",
                    IntColumn.create("image"), IntColumn.create("query"), IntColumn.create("target"),
                    IntColumn.create("class"), DoubleColumn.create("classCost"), DoubleColumn.create("maskCost"),
                    DoubleColumn.create("diceCost"), DoubleColumn.create("total"));
            for (PairCost p : pairs) {
                t.intColumn("image").append(p.image());
                t.intColumn("query").append(p.query());
                t.intColumn("target").append(p.target());
                t.intColumn("class").append(p.targetClass());
                t.doubleColumn("classCost").append(p.classCost());
                t.doubleColumn("maskCost").append(p.maskCost());
                t.doubleColumn("diceCost").append(p.diceCost());
                t.doubleColumn("total").append(p.total());
            }
            return t;
        }
    }

    public HungarianMatcher(Recipe r, long seed) {
        this(r.matcher(), seed);
    }

    /** The matcher of a {@code matcher.*} section. */
    public HungarianMatcher(Sections.Matcher m, long seed) {
        this(m.classCost(), m.maskCost(), m.diceCost(), m.points(), seed);
    }

    public HungarianMatcher(double classCost, double maskCost, double diceCost, int points, long seed) {
        this.classCost = classCost;
        this.maskCost = maskCost;
        this.diceCost = diceCost;
        this.points = points;
        this.rnd = new SplittableRandom(seed);
    }

    /** Restarts the point sampling from a seed (the session derives one per step, so resumed runs repeat). */
    public void reseed(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    /** Matches every image of the batch; no gradient flows. */
    public Matching match(NDArray classLogits, NDArray maskLogits, Targets t) {
        return matchDetailed(classLogits, maskLogits, t).matching();
    }

    /** {@link #matchDetailed(NDArray, NDArray, Targets, int)} without the cost table. */
    public Matching match(NDArray classLogits, NDArray maskLogits, Targets t, int layers) {
        return matchDetailed(classLogits, maskLogits, t, layers).matching();
    }

    /**
     * @param classLogits (B,N,C+1), index C = no-object
     * @param maskLogits  (B,N,h,w)
     */
    public Detailed matchDetailed(NDArray classLogits, NDArray maskLogits, Targets t) {
        return matchDetailed(classLogits, maskLogits, t, 1);
    }

    /**
     * Matches the predictions of {@code layers} decoder layers at once (deep supervision): the logits hold
     * layers x B images, layer after layer, and image i is matched on its own against the targets of image
     * i mod B, exactly as matching each layer separately; the costs of all of them are one set of tensor ops.
     *
     * @param classLogits (L*B,N,C+1)
     * @param maskLogits  (L*B,N,h,w)
     */
    public Detailed matchDetailed(NDArray classLogits, NDArray maskLogits, Targets t, int layers) {
        Shape cs = classLogits.getShape();
        Shape ms = maskLogits.getShape();
        if (cs.dimension() != 3 || ms.dimension() != 4 || cs.get(0) != ms.get(0) || cs.get(1) != ms.get(1)
                || cs.get(0) != (long) layers * t.batchSize()) {
            throw new IllegalArgumentException("matcher: expected class logits (B,N,C+1) and mask logits (B,N,h,w)"
                    + " for " + layers * t.batchSize() + " images, found " + cs + " and " + ms);
        }
        if (cs.get(2) != t.numClasses() + 1) {
            throw new IllegalArgumentException("matcher: class logits have " + cs.get(2) + " entries, expected "
                    + (t.numClasses() + 1) + " (C classes + no-object)");
        }
        int batch = (int) cs.get(0);
        int n = (int) cs.get(1);
        int total = t.total();
        double[][] cls = new double[0][];
        double[][] bce = cls;
        double[][] dice = cls;
        if (total > 0) {
            NDManager mgr = maskLogits.getManager();
            try (NDManager scope = mgr.newSubManager()) {
                NDArray logits = classLogits.stopGradient();
                logits.attach(scope);
                NDArray masks = maskLogits.stopGradient();
                masks.attach(scope);
                long[] ids = new long[total];
                for (int b = 0; b < t.batchSize(); b++) {
                    for (int k = 0; k < t.classes(b).length; k++) {
                        ids[t.offset(b) + k] = t.classOf(b, k);
                    }
                }
                // class term: -p(c_k) for every query and target, (B*N, Ktot)
                NDArray prob = logits.reshape((long) batch * n, cs.get(2)).softmax(1);
                NDArray costClass = prob.get(new NDIndex(":, {}", scope.create(ids))).neg();
                // mask terms on shared points: predictions (B*N, P), targets (Ktot, P)
                NDArray tm = t.allMasks().stopGradient();
                tm.attach(scope);
                NDArray[] pt = sampledPair(masks.reshape((long) batch * n, ms.get(2), ms.get(3)), tm, rnd, points);
                NDArray x = pt[0];
                NDArray y = pt[1];
                float p = x.getShape().get(1);
                // mean over points of BCE(x, y) = softplus(x) - x y, for every prediction/target pair
                NDArray costMask = softplus(x).sum(new int[]{1}).reshape(-1, 1).sub(x.matMul(y.transpose())).div(Scalars.of(p));
                NDArray sig = Activation.sigmoid(x);
                NDArray numer = sig.matMul(y.transpose()).mul(Scalars.of(2));
                NDArray denom = sig.sum(new int[]{1}).reshape(-1, 1).add(y.sum(new int[]{1}).reshape(1, -1));
                NDArray costDice = numer.add(1).div(denom.add(1)).neg().add(1);
                // one host copy of the three cost matrices (each a sync on a GPU), the same floats
                float[] all = HostCopies.floats("matcher.costs", NDArrays.stack(new NDList(
                        costClass.toType(DataType.FLOAT32, false), costMask.toType(DataType.FLOAT32, false),
                        costDice.toType(DataType.FLOAT32, false))));
                int size = batch * n * total;
                cls = toRows(all, 0, batch * n, total);
                bce = toRows(all, size, batch * n, total);
                dice = toRows(all, 2 * size, batch * n, total);
            }
        }
        int[][] qi = new int[batch][];
        int[][] ti = new int[batch][];
        double[][] pc = new double[batch][];
        List<PairCost> pairs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int tb = b % t.batchSize();
            int k = t.classes(tb).length;
            int off = t.offset(tb);
            double[][] c = new double[n][k];
            for (int q = 0; q < n; q++) {
                for (int j = 0; j < k; j++) {
                    int row = b * n + q;
                    c[q][j] = classCost * cls[row][off + j] + maskCost * bce[row][off + j]
                            + diceCost * dice[row][off + j];
                    if (!Double.isFinite(c[q][j])) {
                        throw new NonFiniteCostException(b, q, j, c[q][j]);
                    }
                }
            }
            int[] assign = LinearAssignment.solve(c);
            int m = 0;
            for (int a : assign) {
                m += a >= 0 ? 1 : 0;
            }
            qi[b] = new int[m];
            ti[b] = new int[m];
            pc[b] = new double[m];
            for (int q = 0, j = 0; q < n; q++) {
                if (assign[q] >= 0) {
                    int tg = assign[q];
                    int row = b * n + q;
                    qi[b][j] = q;
                    ti[b][j] = tg;
                    pc[b][j] = c[q][tg];
                    pairs.add(new PairCost(b, q, tg, t.classOf(tb, tg), classCost * cls[row][off + tg],
                            maskCost * bce[row][off + tg], diceCost * dice[row][off + tg], c[q][tg]));
                    j++;
                }
            }
        }
        return new Detailed(new Matching(qi, ti, pc), pairs);
    }

    /**
     * Predicted mask logits (M,h,w) and target masks (K,th,tw) sampled at the same points: {@code points}
     * uniform random points from the generator, or (points = 0) every pixel of the prediction grid.
     */
    static NDArray[] sampledPair(NDArray pred, NDArray target, SplittableRandom rnd, int points) {
        long h = pred.getShape().get(1);
        long w = pred.getShape().get(2);
        long m = pred.getShape().get(0);
        long k = target.getShape().get(0);
        if (points == 0) {
            NDArray tp = target.getShape().get(1) == h && target.getShape().get(2) == w
                    ? target.reshape(k, h * w) : PointSampler.grid(h, w).sample(target);
            return new NDArray[]{pred.reshape(m, h * w), tp};
        }
        PointSampler s = PointSampler.uniform(points, rnd);
        return new NDArray[]{s.sample(pred), s.sample(target)};
    }

    /** log(1 + exp(x)): libtorch's softplus kernel (stable: linear above 20, log1p(exp(x)) below). */
    static NDArray softplus(NDArray x) {
        return Activation.softPlus(x);
    }

    private static double[][] toRows(float[] f, int offset, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = f[offset + r * cols + c];
            }
        }
        return out;
    }
}
