package cpm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MaskLossesTest {

    static NDManager mgr;

    @BeforeAll
    static void init() {
        mgr = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        mgr.close();
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Java-double reference of the focal loss. */
    static double focalRef(double[][] x, double[][] t, double alpha, double gamma, double numMasks) {
        double total = 0;
        for (int k = 0; k < x.length; k++) {
            double s = 0;
            for (int p = 0; p < x[k].length; p++) {
                double pr = sig(x[k][p]);
                double ce = -(t[k][p] * Math.log(pr) + (1 - t[k][p]) * Math.log(1 - pr));
                double pt = pr * t[k][p] + (1 - pr) * (1 - t[k][p]);
                double at = alpha * t[k][p] + (1 - alpha) * (1 - t[k][p]);
                s += at * Math.pow(1 - pt, gamma) * ce;
            }
            total += s / x[k].length;
        }
        return total / numMasks;
    }

    static double diceRef(double[][] x, double[][] t, double numMasks) {
        double total = 0;
        for (int k = 0; k < x.length; k++) {
            double inter = 0;
            double ps = 0;
            double ts = 0;
            for (int p = 0; p < x[k].length; p++) {
                inter += sig(x[k][p]) * t[k][p];
                ps += sig(x[k][p]);
                ts += t[k][p];
            }
            total += 1 - (2 * inter + 1) / (ps + ts + 1);
        }
        return total / numMasks;
    }

    static NDArray arr(double[][] a) {
        double[] flat = new double[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, flat, i * a[0].length, a[0].length);
        }
        return mgr.create(flat, new Shape(a.length, a[0].length));
    }

    @Test
    void crossEntropyWithNoObjectWeight() {
        double[][] logits = {{1.0, -0.5, 0.3}, {0.2, 0.1, 2.0}, {-1.0, 1.5, 0.0}, {0.0, 0.0, 0.0}};
        long[] y = {0, 2, 1, 2};   // C = 2, index 2 = no-object
        double num = 0;
        double den = 0;
        for (int i = 0; i < logits.length; i++) {
            double lse = 0;
            for (double v : logits[i]) {
                lse += Math.exp(v);
            }
            double nll = Math.log(lse) - logits[i][(int) y[i]];
            double w = y[i] == 2 ? (double) 0.1f : 1.0;
            num += w * nll;
            den += w;
        }
        NDArray ce = MaskLosses.crossEntropy(arr(logits), mgr.create(y), 0.1f);
        assertEquals(num / den, ce.getDouble(), 1e-7); // the weight enters as a float32 scalar
        // weight 1 everywhere: the plain mean
        double plain = 0;
        for (int i = 0; i < logits.length; i++) {
            double lse = 0;
            for (double v : logits[i]) {
                lse += Math.exp(v);
            }
            plain += Math.log(lse) - logits[i][(int) y[i]];
        }
        assertEquals(plain / 4, MaskLosses.crossEntropy(arr(logits), mgr.create(y), 1f).getDouble(), 1e-9);
    }

    @Test
    void crossEntropyGradientIsWeightedSoftmaxMinusOneHot() {
        double[][] logits = {{1.0, -0.5, 0.3}, {0.2, 0.1, 2.0}, {-1.0, 1.5, 0.0}};
        long[] y = {0, 2, 1};
        NDArray x = arr(logits);
        x.setRequiresGradient(true);
        double[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(MaskLosses.crossEntropy(x, mgr.create(y), 0.25f));
            grad = x.getGradient().toDoubleArray();
        }
        double wsum = 1 + 0.25 + 1;
        for (int i = 0; i < 3; i++) {
            double z = 0;
            for (double v : logits[i]) {
                z += Math.exp(v);
            }
            double w = y[i] == 2 ? 0.25 : 1;
            for (int c = 0; c < 3; c++) {
                double expected = w * (Math.exp(logits[i][c]) / z - (c == y[i] ? 1 : 0)) / wsum;
                assertEquals(expected, grad[i * 3 + c], 1e-12);
            }
        }
    }

    @Test
    void focalAndDiceMatchHandComputation() {
        double[][] x = {{2.0, -1.0, 0.5, -3.0}, {0.0, 4.0, -2.0, 1.0}, {-6.0, -5.0, -7.0, -4.0}};
        double[][] t = {{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 0, 0, 0}};   // last mask empty
        for (double[] ag : new double[][]{{0.25, 2}, {0.5, 0}, {0.75, 1.5}}) {
            double got = MaskLosses.focal(arr(x), arr(t), (float) ag[0], (float) ag[1], 2f).getDouble();
            assertEquals(focalRef(x, t, ag[0], ag[1], 2), got, 1e-6, "alpha " + ag[0] + " gamma " + ag[1]);
        }
        assertEquals(diceRef(x, t, 3), MaskLosses.dice(arr(x), arr(t), 3f).getDouble(), 1e-9);
        // empty target and a confident empty prediction: dice close to 0 (the +1 smoothing)
        double[][] e = {{-30, -30, -30, -30}};
        double[][] z = {{0, 0, 0, 0}};
        assertEquals(diceRef(e, z, 1), MaskLosses.dice(arr(e), arr(z), 1f).getDouble(), 1e-12);
        assertEquals(0, MaskLosses.dice(arr(e), arr(z), 1f).getDouble(), 1e-10);
        // empty target, everything predicted: 1 - 1/(4+1)
        double[][] full = {{30, 30, 30, 30}};
        assertEquals(0.8, MaskLosses.dice(arr(full), arr(z), 1f).getDouble(), 1e-9);
    }

    @Test
    void focalPlusDiceGradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(3);
        int k = 3;
        int p = 5;
        double[][] x = new double[k][p];
        double[][] t = new double[k][p];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < p; j++) {
                x[i][j] = rnd.nextDouble() * 4 - 2;
                t[i][j] = rnd.nextInt(2);
            }
        }
        NDArray xa = arr(x);
        xa.setRequiresGradient(true);
        double[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = MaskLosses.focal(xa, arr(t), 0.25f, 2f, 2f).add(MaskLosses.dice(xa, arr(t), 2f));
            gc.backward(loss);
            grad = xa.getGradient().toDoubleArray();
        }
        double h = 1e-6;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < p; j++) {
                double keep = x[i][j];
                x[i][j] = keep + h;
                double up = focalRef(x, t, 0.25, 2, 2) + diceRef(x, t, 2);
                x[i][j] = keep - h;
                double down = focalRef(x, t, 0.25, 2, 2) + diceRef(x, t, 2);
                x[i][j] = keep;
                assertEquals((up - down) / (2 * h), grad[i * p + j], 1e-7, "d/dx[" + i + "][" + j + "]");
            }
        }
    }
}
