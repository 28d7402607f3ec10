package cpm.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import cpm.dsl.Sections;

/**
 * The magnitude spectrogram a in R^{T x F} of the paper (Sec. 3.1), computed by STFT on the DJL engine (the
 * same engine as training): audio.nFft, audio.hop, audio.window (periodic Hann / Hamming, or rectangular) of
 * audio.winLength samples centred in the nFft (as torch.stft pads a shorter window), centred frames with reflect
 * padding, so T = 1 + S / hop and F = nFft / 2 + 1. What the audio backbone sees ({@link #toBackboneInput}) is
 * audio.frontEnd's: these magnitudes log(1+x)-compressed, or CAVP's log-mel ({@link LogMel}). ACP mixes and masks
 * the magnitudes in either case.
 */
public final class Spectrogram {

    private final int nFft;
    private final int hop;
    private final String window;
    private final int winLength;
    private final boolean log;
    private final LogMel logMel;
    private final int frames;
    private final int bins;

    public Spectrogram(Recipe r) {
        this(r.audio());
    }

    /** The spectrogram of an {@code audio.*} section. */
    public Spectrogram(Sections.Audio audio) {
        this.nFft = audio.nFft();
        this.hop = audio.hop();
        this.window = audio.window();
        this.winLength = audio.winLength() > 0 ? audio.winLength() : audio.nFft();
        this.log = audio.scale().equals("log");
        this.logMel = audio.logMel() ? new LogMel(audio) : null;
        this.frames = audio.frames();
        this.bins = audio.bins();
    }

    /** Frequency bins of the STFT, nFft / 2 + 1. */
    public int fftBins() {
        return nFft / 2 + 1;
    }

    /**
     * The analysis window as used by {@link #magnitude}: winLength samples, periodic (as torch.hann_window's
     * default), centred in nFft zeros.
     */
    public float[] window() {
        float[] w = new float[nFft];
        int offset = (nFft - winLength) / 2;
        for (int n = 0; n < winLength; n++) {
            double c = Math.cos(2 * Math.PI * n / winLength);
            w[offset + n] = switch (window) {
                case "hann" -> (float) (0.5 - 0.5 * c);
                case "hamming" -> (float) (0.54 - 0.46 * c);
                default -> 1f;
            };
        }
        return w;
    }

    /** (B,C,S) waveforms to (B,C,T,F) STFT magnitudes |STFT|, on the waves' manager. */
    public NDArray magnitude(NDArray waves) {
        Shape s = waves.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("waves must be (B,C,S), got " + s);
        }
        long b = s.get(0), c = s.get(1), n = s.get(2);
        NDManager m = waves.getManager();
        try (NDArray win = m.create(window())) {
            NDArray flat = waves.reshape(b * c, n);
            NDArray spec = flat.stft(nFft, hop, true, win, false, true);
            NDArray mag = spec.abs();
            Shape ms = mag.getShape(); // (B*C, F, T)
            NDArray out = mag.reshape(b, c, ms.get(1), ms.get(2)).transpose(0, 1, 3, 2);
            flat.close();
            spec.close();
            return out;
        }
    }

    /**
     * The backbone's input from (B,C,T,F) magnitudes: the log-mel front-end, else log(1+x) when audio.scale is log;
     * then bilinear resize to (audio.frames, audio.bins) where those are set.
     */
    public NDArray toBackboneInput(NDArray mag) {
        NDArray x = logMel != null ? logMel.apply(mag) : log ? mag.add(1f).log() : mag;
        Shape s = x.getShape();
        long t = frames > 0 ? frames : s.get(2), f = bins > 0 ? bins : s.get(3);
        if (t == s.get(2) && f == s.get(3)) {
            return x;
        }
        NDArray r = x.getNDArrayInternal().interpolation(new long[]{t, f}, 1, false);
        if (x != mag) {
            x.close();
        }
        return r;
    }
}
