package cpm.nn;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/** A stack of linear layers with ReLU between them (Mask2Former's mask-embedding head is a 3-layer MLP). */
public final class Mlp {

    private final List<Linear> layers = new ArrayList<>();

    public Mlp(Weights w, long in, long hidden, long out, int depth) {
        for (int i = 0; i < depth; i++) {
            long a = i == 0 ? in : hidden;
            long b = i == depth - 1 ? out : hidden;
            layers.add(new Linear(w.child("layer" + i), a, b));
        }
    }

    public NDArray forward(NDArray x) {
        NDArray y = x;
        for (int i = 0; i < layers.size(); i++) {
            y = layers.get(i).forward(y);
            if (i < layers.size() - 1) {
                y = ai.djl.nn.Activation.relu(y);
            }
        }
        return y;
    }
}
