package cpm.prompting;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wall time of one CCDM update (EM for every class, full banks) at the tiny preset's sizes and at paper scale.
 * A measurement, not a unit test: run with -Dcpm.bench=true.
 */
@EnabledIfSystemProperty(named = "cpm.bench", matches = "true")
class EmTimingTest {

    static double time(int classes, int m, int d, int bank, int iterations, String cov) {
        SplittableRandom r = new SplittableRandom(1);
        GaussianMixture g = new GaussianMixture(classes, m, d, cov, 1e-4, 0.99, 2);
        float[][][] data = new float[classes][bank][d];
        for (int c = 0; c < classes; c++) {
            double[][] centres = new double[m][d];
            for (double[] ce : centres) {
                for (int j = 0; j < d; j++) {
                    ce[j] = GaussianMixture.gaussian(r);
                }
            }
            for (int i = 0; i < bank; i++) {
                double[] ce = centres[r.nextInt(m)];
                double n = 0;
                for (int j = 0; j < d; j++) {
                    data[c][i][j] = (float) (ce[j] + 0.3 * GaussianMixture.gaussian(r));
                    n += data[c][i][j] * data[c][i][j];
                }
                for (int j = 0; j < d; j++) {
                    data[c][i][j] /= (float) Math.sqrt(n);
                }
            }
        }
        for (int c = 0; c < classes; c++) { // warm-up (JIT) and the first fit
            g.emFit(c, data[c], iterations);
        }
        long t0 = System.nanoTime();
        int reps = 3;
        for (int k = 0; k < reps; k++) {
            for (int c = 0; c < classes; c++) {
                assertTrue(Double.isFinite(g.emFit(c, data[c], iterations)));
            }
        }
        double s = (System.nanoTime() - t0) / 1e9 / reps;
        System.out.printf("EM update (%s, %d classes, M=%d, D=%d, bank %d, %d iterations): %.3f s%n", cov, classes, m,
                d, bank, iterations, s);
        return s;
    }

    /** One Ccdm update as training runs it (classes fitted in parallel). */
    static void ccdmTime(int numClasses, int dim, int bank) {
        cpm.dsl.Recipe r = cpm.dsl.Recipe.builder("bench").set("queries.dim", dim).set("classifier.bankSize", bank)
                .set("classifier.updateInterval", 1).set("classifier.space", "maskEmbed").build();
        Ccdm c = CcdmTest.ccdm(r, numClasses);
        SplittableRandom rng = new SplittableRandom(3);
        float[][] rows = new float[bank * (numClasses + 1)][dim];
        int[] cls = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            cls[i] = i % (numClasses + 1);
            for (int j = 0; j < dim; j++) {
                rows[i][j] = (float) (GaussianMixture.gaussian(rng) + (j == cls[i] % dim ? 3 : 0));
            }
        }
        c.bank().push(rows, cls);
        c.maybeUpdate(1);
        long t0 = System.nanoTime();
        for (int k = 2; k < 5; k++) {
            c.maybeUpdate(k);
        }
        System.out.printf("Ccdm.maybeUpdate (%d+1 classes, D=%d, bank %d, parallel over classes, %d cores): %.3f s%n",
                numClasses, dim, bank, Runtime.getRuntime().availableProcessors(), (System.nanoTime() - t0) / 3e9);
    }

    @Test
    void tinyAndPaperScale() {
        ccdmTime(9, 64, 512);
        ccdmTime(71, 256, 2048);
        time(10, 3, 64, 512, 3, "diagonal");
        time(10, 3, 64, 512, 3, "full");
        time(72, 3, 256, 2048, 3, "diagonal");
    }

    /** Forward and backward of the GMM logits for B*N = 800 queries at paper scale (diagonal). */
    @Test
    void paperScaleLogits() {
        GaussianMixture g = new GaussianMixture(72, 3, 256, "diagonal", 1e-4, 1);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(8, 100, 256));
            x.setRequiresGradient(true);
            GmmClassifier c = new GmmClassifier(g, 1.0);
            long t0 = 0;
            for (int k = 0; k < 6; k++) {
                if (k == 1) {
                    t0 = System.nanoTime();
                }
                try (ai.djl.ndarray.NDManager step = m.newSubManager();
                     ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    ai.djl.ndarray.NDArray l = c.logits(null, x).logSoftmax(-1).sum();
                    gc.backward(l);
                }
            }
            System.out.printf("GMM logits forward+backward, (8, 100, 256), 72 classes, M=3: %.1f ms%n",
                    (System.nanoTime() - t0) / 5e6);
            t0 = System.nanoTime();
            for (int k = 0; k < 5; k++) {
                try (ai.djl.ndarray.NDManager step = m.newSubManager()) {
                    ai.djl.ndarray.NDArray xs = x.stopGradient();
                    xs.attach(step);
                    c.logits(null, xs).toFloatArray();
                }
            }
            System.out.printf("GMM logits forward only: %.1f ms%n", (System.nanoTime() - t0) / 5e6);
        }
    }

    @Test
    void paperScaleFull() {
        // one class measured; an update fits 72 of them (in sequence, or split over the cores)
        double one = time(1, 3, 256, 2048, 3, "full");
        System.out.printf("full covariance at paper scale: about %.1f s per update for 72 classes on one core%n",
                72 * one);
    }
}
