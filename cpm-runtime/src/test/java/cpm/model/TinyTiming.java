package cpm.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.Weights;

/**
 * Not a test: measures forward + backward of the class-agnostic pass (plus one prompt pass when args[1] is
 * "prompts") of a preset at a batch size. Run with the test class path:
 * {@code java -cp ... cpm.model.TinyTiming tiny 8}.
 */
public final class TinyTiming {

    public static void main(String[] args) {
        Recipe r = Presets.get(args.length > 0 ? args[0] : "tiny");
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        boolean prompts = args.length > 2 && args[2].equals("prompts");
        int size = r.image().size();
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(r, 9, new Weights(m.newSubManager(), 1));
            System.out.printf("params %d, GFLOP/image %.3f%n", model.weights().parameterCount(), model.flopsPerImage() / 1e9);
            for (int it = 0; it < 12; it++) {
                long t0 = System.nanoTime();
                long tf;
                try (NDScope scope = new NDScope()) {
                    NDArray img = ModelTestUtil.random(m, new Shape(batch, 3, size, size), it);
                    NDArray spec = ModelTestUtil.random(m, new Shape(batch, 1, 64, 64), it + 100);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        ImageFeatures f = model.encodeImage(img, true);
                        AudioFeatures a = model.encodeAudio(spec, true);
                        DecoderOutput out = model.decodeQueries(f, a, true);
                        NDArray loss = m.zeros(new Shape());
                        for (LayerOutput l : out.layers()) {
                            loss = loss.add(ai.djl.nn.Activation.sigmoid(l.maskLogits()).mean()).add(l.classLogits().softmax(-1).get(":, :, 0").mean());
                        }
                        if (prompts) {
                            NDArray pr = ModelTestUtil.random(m, new Shape(batch, 2, r.queries().dim()), it);
                            NDArray cl = m.zeros(new Shape(batch, 2), ai.djl.ndarray.types.DataType.INT64);
                            DecoderOutput po = model.decodePrompts(pr, cl, f, a, true);
                            loss = loss.add(ai.djl.nn.Activation.sigmoid(po.last().maskLogits()).mean())
                                    .add(ai.djl.nn.Activation.sigmoid(model.audioMasks(po.last().maskEmbed(), a, 64, 64)).mean());
                        }
                        tf = System.nanoTime();
                        gc.backward(loss);
                    }
                }
                long t1 = System.nanoTime();
                System.out.printf("iter %d: forward %.1f ms, forward+backward %.1f ms%n", it, (tf - t0) / 1e6, (t1 - t0) / 1e6);
            }
        }
    }
}
