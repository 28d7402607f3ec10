package cpm.model;

import java.util.List;

/**
 * Every prediction of one decoder pass: {@code layers.get(0)} is the prediction from the initial queries
 * (before any layer, as in Mask2Former; it gives the first masked layer's attention mask), then one per
 * layer: {@code layers.get(i)} after the i-th layer, the audio layers first. So the list has
 * 1 + audioLayers + visualLayers entries.
 */
public record DecoderOutput(List<LayerOutput> layers, int audioLayers) {

    public DecoderOutput {
        layers = List.copyOf(layers);
    }

    /** The final prediction. */
    public LayerOutput last() {
        return layers.get(layers.size() - 1);
    }

    /** The prediction after the last audio layer (the initial one when there are none): what coverage reads. */
    public LayerOutput afterAudio() {
        return layers.get(audioLayers);
    }
}
