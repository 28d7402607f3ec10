package cpm.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * An off-screen set from a folder of WAV files (recipe cpm.noise = a path): every file (sorted by path, sub
 * folders included) is resampled to the recipe rate and cut into per-frame windows; item i is one window.
 * Mono files feed both channels of a stereo recipe (off-screen noise has no stereo image to keep).
 */
final class WavFolderOffscreen implements OffscreenSet {

    private final List<Path> files;
    private final int[] firstWindow;
    private final int rate;
    private final int samples;
    private final int channels;
    private int cachedFile = -1;
    private float[][] cached;

    WavFolderOffscreen(Path dir, int rate, double secondsPerFrame, int channels) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir, "no such folder", "a folder of WAV files (recipe cpm.noise)");
        }
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase().endsWith(".wav")).sorted().toList();
        } catch (IOException e) {
            throw new DataException(dir, "an unreadable folder (" + e.getMessage() + ")", "a folder of WAV files", e);
        }
        if (files.isEmpty()) {
            throw new DataException(dir, "no .wav files", "at least one WAV file (recipe cpm.noise)");
        }
        this.rate = rate;
        this.samples = (int) Math.round(rate * secondsPerFrame);
        this.channels = channels;
        firstWindow = new int[files.size() + 1];
        for (int i = 0; i < files.size(); i++) {
            int len = load(i)[0].length;
            firstWindow[i + 1] = firstWindow[i] + Math.max(1, (len + samples - 1) / samples);
        }
    }

    private synchronized float[][] load(int file) {
        if (file != cachedFile) {
            Path p = files.get(file);
            WavIO.Wav w = WavIO.read(p);
            float[][] s = w.samples();
            if (channels == 2 && s.length == 1) {
                s = new float[][]{s[0], s[0]};
            }
            cached = WavIO.conform(new WavIO.Wav(w.sampleRate(), s), rate, channels, p);
            cachedFile = file;
        }
        return cached;
    }

    @Override
    public int size() {
        return firstWindow[files.size()];
    }

    @Override
    public float[] get(int index) {
        int f = java.util.Arrays.binarySearch(firstWindow, index);
        f = f >= 0 ? f : -f - 2;
        while (firstWindow[f + 1] == firstWindow[f]) {
            f++;
        }
        return WavIO.frameWindow(load(f), samples, index - firstWindow[f]);
    }
}
