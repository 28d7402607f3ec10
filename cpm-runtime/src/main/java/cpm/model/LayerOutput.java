package cpm.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder prediction (deep supervision).
 *
 * @param queries     (B, N, D) after the decoder's output layer norm
 * @param maskEmbed   (B, N, D_q) mask embeddings q~
 * @param maskLogits  (B, N, H/4, W/4)
 * @param classLogits (B, N, C + 1), last index no-object; null at inference for the layers whose classes nobody
 *                    reads (all but the last and the one after the audio layers, {@link TransformerDecoder#predict})
 */
public record LayerOutput(NDArray queries, NDArray maskEmbed, NDArray maskLogits, NDArray classLogits) {
}
