package cpm.model;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * The pixel decoder's output for a batch of images.
 *
 * @param maskFeatures per-pixel embeddings (B, D_q, H/4, W/4)
 * @param memories     per used scale, coarse to fine (strides 32, 16, 8), tokens (B, h*w, D) with the level
 *                     embedding added
 * @param memoryPos    sine 2-D positions (1, h*w, D) per scale
 * @param memorySizes  {h, w} per scale
 */
public record ImageFeatures(NDArray maskFeatures, List<NDArray> memories, List<NDArray> memoryPos,
        List<long[]> memorySizes) {
}
