package cpm.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Sections;

/**
 * CAVP's audio front-end (audio.frontEnd logmel; CAVP {@code trainer_cavp_avss_image.py}, {@code utils/sourcesep.py}):
 * the power |STFT|^2 through a triangular mel filterbank (HTK mel scale, no area normalisation, as torchaudio's
 * {@code MelSpectrogram} defaults), then 20 log10(max(x, 1e-5)) and the range [-100, 100] dB mapped linearly to
 * [-1, 1]. CAVP writes 20 log10 of a power; kept, so that inputs match its pretrained audio backbones.
 * <p>
 * It is computed from the magnitudes {@link Spectrogram#magnitude} returns, so ACP keeps mixing and masking the
 * linear magnitude spectrogram (its ratio target needs magnitudes) while the backbone sees the log-mel of the
 * same (clean or mixed) magnitudes.
 */
public final class LogMel {

    /** CAVP's floor and dB range ({@code spec_min} -100, {@code spec_max} 100). */
    static final float FLOOR = 1e-5f;
    static final float DB_MIN = -100f, DB_MAX = 100f;

    private final float[] bank;
    private final int bins;
    private final int bands;

    LogMel(Sections.Audio audio) {
        this.bins = audio.nFft() / 2 + 1;
        this.bands = audio.melBands();
        this.bank = filterbank(bins, audio.sampleRate(), audio.melBands(), audio.melMin(), audio.melMax());
    }

    /** Hz to mel, the HTK formula. */
    static double mel(double hz) {
        return 2595.0 * Math.log10(1.0 + hz / 700.0);
    }

    /** Mel to Hz, the HTK formula. */
    static double hz(double mel) {
        return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
    }

    /**
     * The (bins, bands) filterbank, row-major: bin k at k sr / nFft Hz; band m a triangle rising from corner m to
     * corner m+1 and falling to corner m+2, the bands + 2 corners evenly spaced in mel from fMin to fMax.
     */
    static float[] filterbank(int bins, int sampleRate, int bands, double fMin, double fMax) {
        double[] corner = new double[bands + 2];
        double m0 = mel(fMin), m1 = mel(fMax);
        for (int i = 0; i < corner.length; i++) {
            corner[i] = hz(m0 + (m1 - m0) * i / (bands + 1));
        }
        float[] fb = new float[bins * bands];
        for (int k = 0; k < bins; k++) {
            double f = (double) k * (sampleRate / 2) / (bins - 1); // torchaudio: linspace(0, sr // 2, bins)
            for (int m = 0; m < bands; m++) {
                double down = (f - corner[m]) / (corner[m + 1] - corner[m]);
                double up = (corner[m + 2] - f) / (corner[m + 2] - corner[m + 1]);
                fb[k * bands + m] = (float) Math.max(0, Math.min(down, up));
            }
        }
        return fb;
    }

    /** (B,C,T,F) magnitudes to (B,C,T,bands) normalised log-mel, on the magnitudes' manager. */
    NDArray apply(NDArray mag) {
        Shape s = mag.getShape();
        if (s.get(3) != bins) {
            throw new IllegalArgumentException("magnitudes: found " + s.get(3) + " bins, expected " + bins);
        }
        try (NDArray fb = mag.getManager().create(bank, new Shape(bins, bands));
             NDArray power = mag.square();
             NDArray melPower = power.matMul(fb);
             NDArray floored = melPower.maximum(FLOOR);
             NDArray db = floored.log10().mul(20f)) {
            return db.sub(DB_MIN).mul(2f / (DB_MAX - DB_MIN)).sub(1f);
        }
    }
}
