package cpm.data;

import cpm.data.DataProblem.Kind;

import java.nio.file.Path;
import java.util.List;

/**
 * A VPO item's audio, built as CAVP builds it: each sounding object's VGGSound file, as mono at the recipe's
 * rate, cut to its centre window (start at length/2 - window/2; repeated from the start when the file is
 * shorter); mono audio is the sum of the
 * objects' sounds, stereo pans each by its audio_pos p (left = s (1 - p), right = s p) and sums. A horizontal
 * flip of the image maps p to 1 - p, which is the channel swap the batch loader already does.
 */
final class VpoAudio {

    private VpoAudio() {
    }

    /** A decoded VGGSound file with at least one sample; null when a problem was reported. */
    static WavIO.Wav read(Path wav, Problems problems) {
        WavIO.Wav w;
        try {
            w = WavIO.read(wav);
        } catch (DataException e) {
            problems.report(e);
            return null;
        }
        if (w.length() == 0) {
            problems.report(new DataException(Kind.AUDIO_LENGTH, wav, "no samples", "a sound to cut the item's "
                    + "window from (shorter sounds are repeated)"));
            return null;
        }
        return w;
    }

    /** {@code x} repeated from its start to fill {@code n} samples (a sound shorter than the window). */
    static float[] repeat(float[] x, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[i % x.length];
        }
        return out;
    }

    /**
     * One object's window: the file averaged to mono, resampled to {@code rate}, its centre {@code n} samples (or
     * all of it repeated). Only the window is resampled, with the values resampling the whole file would give.
     */
    static float[] sound(WavIO.Wav w, int rate, int n, Path file) {
        float[] x = WavIO.conform(w, w.sampleRate(), 1, file)[0];
        long length = w.sampleRate() == rate ? x.length : Math.round((double) x.length * rate / w.sampleRate());
        if (length >= n) {
            return WavIO.resample(x, w.sampleRate(), rate, length / 2 - n / 2, n);
        }
        return repeat(WavIO.resample(x, w.sampleRate(), rate), n);
    }

    /** The item's audio, planar (channel 0 then 1), {@code n} samples a channel; a bad file is a DataException. */
    static float[] mix(List<VpoLayout.Source> sources, int rate, int n, int channels) {
        float[] out = new float[channels * n];
        for (VpoLayout.Source s : sources) {
            float[] x = sound(read(s.wav(), Problems.throwing()), rate, n, s.wav());
            float left = channels == 2 ? (float) (1 - s.pos()) : 1f, right = (float) s.pos();
            for (int i = 0; i < n; i++) {
                out[i] += left * x[i];
                if (channels == 2) {
                    out[n + i] += right * x[i];
                }
            }
        }
        return out;
    }
}
