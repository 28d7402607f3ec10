package cpm.train;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two trainings in one JVM at once ({@code ./cpm ablate --parallel}): two sessions stepping in two threads, their
 * steps interleaved, end with the losses and weights each has when trained alone, to the last bit. With DJL's
 * GradientCollector (one per JVM) the second thread's step failed with "Only one can be collecting at a time".
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentSessionsTest {

    static final int STEPS = 3;

    static Recipe recipe(int seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optim.steps", STEPS);
        m.put("optim.warmupSteps", 1);
        m.put("optim.batchSize", 2);
        m.put("image.size", 64);
        m.put("data.trainItems", 4);
        m.put("data.testItems", 1);
        m.put("run.threads", 1);
        m.put("run.seed", seed);
        m.put("classifier.updateInterval", 2);
        m.put("cpm.warmupSteps", 0);
        m.put("decoder.dropout", 0.1);
        m.put("classifier.bankSize", 8);
        return Presets.get("tiny").with(m);
    }

    /** Losses of every step, then every parameter's values. */
    record Trace(List<Double> losses, Map<String, float[]> weights) {
    }

    /** Trains {@code r} for its steps, waiting at {@code barrier} (if any) before each, so two threads interleave. */
    static Trace train(Recipe r, CyclicBarrier barrier) throws Exception {
        List<Double> losses = new ArrayList<>();
        Map<String, float[]> weights = new LinkedHashMap<>();
        try (TrainingSession s = new TrainingSession(r)) {
            for (int i = 0; i < STEPS; i++) {
                if (barrier != null) {
                    barrier.await(60, TimeUnit.SECONDS);
                }
                TrainingSession.StepResult res = s.step();
                losses.add(res.loss());
                losses.add(res.gradNorm());
            }
            for (Map.Entry<String, Weights.Entry> e : s.weights().entries().entrySet()) {
                weights.put(e.getKey(), e.getValue().array().toFloatArray());
            }
        }
        return new Trace(losses, weights);
    }

    @Test
    void twoSessionsSteppingAtOnceMatchTheirRunsAlone() throws Exception {
        Recipe a = recipe(1);
        Recipe b = recipe(2);
        Trace aloneA = train(a, null);
        Trace aloneB = train(b, null);
        assertNotEquals(aloneA.losses(), aloneB.losses(), "control: the two seeds train differently");

        CyclicBarrier barrier = new CyclicBarrier(2);
        AtomicReference<Trace> ta = new AtomicReference<>();
        AtomicReference<Throwable> fail = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                ta.set(train(a, barrier));
            } catch (Throwable t) {
                fail.set(t);
                barrier.reset();
            }
        }, "second-training");
        other.start();
        Trace tb;
        try {
            tb = train(b, barrier);
        } finally {
            other.join(60_000);
        }
        if (fail.get() != null) {
            throw new AssertionError("the training in the other thread failed", fail.get());
        }
        assertEquals(aloneA.losses(), ta.get().losses(), "seed 1: losses and gradient norms");
        assertEquals(aloneB.losses(), tb.losses(), "seed 2: losses and gradient norms");
        for (String name : aloneA.weights().keySet()) {
            assertArrayEquals(aloneA.weights().get(name), ta.get().weights().get(name), "seed 1: " + name);
            assertArrayEquals(aloneB.weights().get(name), tb.weights().get(name), "seed 2: " + name);
        }
    }
}
