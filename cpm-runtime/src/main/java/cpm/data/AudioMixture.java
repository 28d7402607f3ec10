package cpm.data;

import ai.djl.ndarray.NDArray;

/**
 * The input of audio conditional prompting (paper Eq. 5): the spectrogram mixture a_p = a_i + g * a_j of a
 * clip's audio a_i and an off-screen sound a_j, and the ratio mask a_i / a_p that ACP learns to recover.
 * Magnitudes are mixed before any log compression (docs/datasets.md).
 */
public final class AudioMixture {

    private AudioMixture() {
    }

    /** a_p = a_i + gain * a_j (Eq. 5), on magClean's manager. */
    public static NDArray mix(NDArray magClean, NDArray magNoise, float gain) {
        try (NDArray scaled = magNoise.mul(gain)) {
            return magClean.add(scaled);
        }
    }

    /** a_i / a_p clamped to [0,1], and 0 where a_p < eps (silent bins carry no target). */
    public static NDArray ratioMask(NDArray magClean, NDArray magMix, float eps) {
        try (NDArray safe = magMix.maximum(eps);
             NDArray ratio = magClean.div(safe);
             NDArray clipped = ratio.clip(0f, 1f);
             NDArray valid = magMix.gte(eps);
             NDArray validF = valid.toType(clipped.getDataType(), false)) {
            return clipped.mul(validF);
        }
    }
}
