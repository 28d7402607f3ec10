package cpm.model;

import ai.djl.ndarray.NDArray;

/**
 * The audio encoder's output (Fig. 2).
 *
 * @param tokens     u_a flattened to tokens (B, T'*F', D), time-major
 * @param tokenPos   sine positions over time and frequency (1, T'*F', D)
 * @param featureMap u_a (B, D, T', F'), stride 8 (16 for large spectrograms)
 * @param decoded    u~_a (B, D_q, T'', F''), the audio pixel decoder's map at 1/4 of the spectrogram
 *                   resolution, that ACP's mask embeddings probe (Eq. 5)
 */
public record AudioFeatures(NDArray tokens, NDArray tokenPos, NDArray featureMap, NDArray decoded) {
}
