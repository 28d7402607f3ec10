package cpm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import cpm.nn.Init;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * AdamW over flat parameter chunks against a per-parameter float64 AdamW written out here (groups, decay,
 * clipping), and frozen parameters sharing a chunk with trained ones.
 */
class AdamWTest {

    @Test
    void matchesPerParameterDoubleReference() {
        try (NDManager root = NDManager.newBaseManager()) {
            Weights w = new Weights(root.newSubManager(), 7);
            NDArray a = w.group("backbone").param("a", new Shape(3, 4), Init.normal(1.0));
            NDArray b = w.param("b", new Shape(5), Init.normal(1.0));
            NDArray c = w.param("c", new Shape(2, 2, 3), Init.normal(1.0));
            List<NDArray> ps = List.of(a, b, c);
            double wd = 0.05;
            double clip = 0.5;                      // small, so clipping is active
            double[] mult = {0.1, 1.0, 1.0};
            AdamW opt = new AdamW(w, wd, clip, Map.of("backbone", 0.1));
            double[][] p = new double[3][];
            double[][] m = new double[3][];
            double[][] v = new double[3][];
            for (int i = 0; i < 3; i++) {
                float[] f = ps.get(i).toFloatArray();
                p[i] = new double[f.length];
                for (int j = 0; j < f.length; j++) {
                    p[i][j] = f[j];
                }
                m[i] = new double[f.length];
                v[i] = new double[f.length];
            }
            SplittableRandom rng = new SplittableRandom(3);
            for (int step = 1; step <= 4; step++) {
                double lr = 1e-2 * step;
                // loss = sum_i sum(p_i * k_i): the gradient of p_i is k_i
                double[][] g = new double[3][];
                try (NDManager sm = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = null;
                    for (int i = 0; i < 3; i++) {
                        float[] k = new float[p[i].length];
                        g[i] = new double[k.length];
                        for (int j = 0; j < k.length; j++) {
                            k[j] = (float) rng.nextDouble(-1, 1);
                            g[i][j] = k[j];
                        }
                        NDArray term = ps.get(i).mul(sm.create(k, ps.get(i).getShape())).sum();
                        loss = loss == null ? term : loss.add(term);
                    }
                    gc.backward(loss);
                }
                double sq = 0;
                for (double[] gi : g) {
                    for (double x : gi) {
                        sq += x * x;
                    }
                }
                double norm = Math.sqrt(sq);
                double scale = norm > clip ? clip / (norm + 1e-6) : 1.0;
                double got = opt.step(lr);
                assertEquals(norm, got, 1e-5 * norm);
                double bc1 = 1 - Math.pow(0.9, step);
                double bc2 = 1 - Math.pow(0.999, step);
                for (int i = 0; i < 3; i++) {
                    double glr = lr * mult[i];
                    boolean decay = ps.get(i).getShape().dimension() > 1;
                    for (int j = 0; j < p[i].length; j++) {
                        double gj = g[i][j] * scale;
                        m[i][j] = 0.9 * m[i][j] + 0.1 * gj;
                        v[i][j] = 0.999 * v[i][j] + 0.001 * gj * gj;
                        if (decay) {
                            p[i][j] *= 1 - glr * wd;
                        }
                        p[i][j] -= glr / bc1 * m[i][j] / (Math.sqrt(v[i][j] / bc2) + 1e-8);
                    }
                }
            }
            Map<String, NDArray> state = opt.state();
            String[] names = {"a", "b", "c"};
            for (int i = 0; i < 3; i++) {
                float[] got = ps.get(i).toFloatArray();
                float[] gm = state.get("m/" + names[i]).toFloatArray();
                float[] gv = state.get("v/" + names[i]).toFloatArray();
                assertEquals(ps.get(i).getShape(), state.get("m/" + names[i]).getShape());
                for (int j = 0; j < got.length; j++) {
                    assertEquals(p[i][j], got[j], 1e-5, "param " + names[i] + "[" + j + "]");
                    assertEquals(m[i][j], gm[j], 1e-6, "m " + names[i] + "[" + j + "]");
                    assertEquals(v[i][j], gv[j], 1e-7, "v " + names[i] + "[" + j + "]");
                }
                float[] zero = ps.get(i).getGradient().toFloatArray();
                for (float z : zero) {
                    assertEquals(0f, z, 0f, "gradient zeroed");
                }
            }
            // the state views write through to the moments the next step uses (checkpoint restore relies on it)
            NDArray mb = state.get("m/b");
            SessionCheckpoint.copyInto(mb, new Checkpoint.Tensor(new long[] {5}, new float[] {1, 2, 3, 4, 5}),
                    java.nio.file.Path.of("test.ckpt"), "m/b");
            opt.step(0.0);                          // zero gradients: m <- 0.9 m
            assertEquals(0.9f * 3f, opt.state().get("m/b").toFloatArray()[2], 1e-6f);
        }
    }

    @Test
    void frozenParameterInAChunkNeverMovesAndItsNeighbourTrainsAsAlone() {
        float[][] after = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (NDManager root = NDManager.newBaseManager()) {
                Weights w = new Weights(root.newSubManager(), 11);
                NDArray frozen = w.param("frozen", new Shape(4, 3), Init.normal(1.0));
                NDArray trained = w.param("trained", new Shape(3, 5), Init.normal(1.0));
                assertEquals(1, w.chunks().size(), "both matrices share one chunk");
                if (run == 0) {
                    w.freeze("frozen");
                }
                float[] frozenBefore = frozen.toFloatArray();
                AdamW opt = new AdamW(w, 0.05, 0, Map.of());
                for (int step = 0; step < 3; step++) {
                    try (NDManager sm = root.newSubManager();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = trained.mul(sm.arange(15f).reshape(3, 5)).sum();
                        if (run == 1) {
                            loss = loss.add(frozen.mul(sm.zeros(new Shape(4, 3))).sum());
                        }
                        gc.backward(loss);
                    }
                    opt.step(1e-2);
                }
                if (run == 0) {
                    assertArrayEquals(frozenBefore, frozen.toFloatArray(), 0f, "a frozen parameter does not move");
                    assertEquals(java.util.List.of("trained"), opt.parameterNames());
                }
                after[run] = trained.toFloatArray();
            }
        }
        // run 1 trains both (the frozen one with a zero gradient, so only decay moves it): the neighbour ends the same
        assertArrayEquals(after[1], after[0], 1e-6f);
    }

    @Test
    void parameterFrozenAfterTrainingStopsMovingThoughItsMomentsAreNotZero() {
        try (NDManager root = NDManager.newBaseManager()) {
            Weights w = new Weights(root.newSubManager(), 5);
            NDArray a = w.param("a", new Shape(6), Init.normal(1.0));
            NDArray b = w.param("b", new Shape(4), Init.normal(1.0));
            AdamW opt = new AdamW(w, 0.0, 0, Map.of());
            float[] bAtFreeze = null;
            for (int step = 0; step < 6; step++) {
                if (step == 3) {
                    w.freeze("b");                      // m and v of b are non-zero now: a plain update would move it
                    bAtFreeze = b.toFloatArray();
                }
                try (NDManager sm = root.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = a.mul(a).sum();
                    if (step < 3) {
                        loss = loss.add(b.mul(sm.arange(4f)).sum());
                    }
                    gc.backward(loss);
                }
                float[] aBefore = a.toFloatArray();
                opt.step(1e-1);
                float[] aAfter = a.toFloatArray();
                // Adam's first step moves every coordinate by about lr against the gradient's sign (2a)
                if (step == 0) {
                    for (int k = 0; k < 6; k++) {
                        assertEquals(aBefore[k] - 0.1f * Math.signum(aBefore[k]), aAfter[k], 1e-4f);
                    }
                }
            }
            assertArrayEquals(bAtFreeze, b.toFloatArray(), 0f, "frozen after 3 steps, b never moves again");
        }
    }

    @Test
    void gradientNormOfAChunkWithFrozenPartsIsTheSumOfPerTensorNormsToTheLastBit() {
        try (NDManager root = NDManager.newBaseManager()) {
            Weights w = new Weights(root.newSubManager(), 13);
            NDArray a = w.param("a", new Shape(7), Init.normal(1.0));
            NDArray frozen = w.param("frozen", new Shape(5), Init.normal(1.0));
            NDArray b = w.param("b", new Shape(300), Init.normal(1.0));
            w.freeze("frozen");
            AdamW opt = new AdamW(w, 0.0, 1.0, Map.of());
            try (NDManager sm = root.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(a.mul(a).sum().add(b.mul(b).mul(b).sum()).add(frozen.sum()));
            }
            // the documented training runs clip by this value: per-tensor float32 norms, summed in float64
            double expected = 0;
            for (NDArray p : List.of(a, b)) {
                double x = p.getGradient().norm().getFloat();
                expected += x * x;
            }
            assertEquals(Math.sqrt(expected), opt.gradNorm(), 0.0);
        }
    }
}
