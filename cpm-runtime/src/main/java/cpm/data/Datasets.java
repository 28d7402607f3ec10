package cpm.data;

import cpm.data.DataProblem.Kind;
import cpm.dsl.Recipe;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the data set and the off-screen set a recipe names (data.kind, data.path, cpm.noise). */
public final class Datasets {

    private Datasets() {
    }

    /**
     * A split (train, val, test) of the recipe's data: the in-memory synthetic benchmark when data.kind is
     * synthetic and data.path empty, else the reader of data.kind on data.path.
     */
    public static AvsDataset open(Recipe r, String split) {
        String kind = r.data().kind();
        String path = r.data().path();
        if (kind.equals("synthetic") && path.isEmpty()) {
            String preset = r.data().preset();
            int want = preset.equals("stereo") ? 2 : 1;
            if (r.audio().channels() != want) {
                throw new DataException("recipe audio.channels", String.valueOf(r.audio().channels()),
                        want + " for data.preset " + preset);
            }
            int clips = split.equals("train") ? r.data().trainItems() : r.data().testItems();
            return new SyntheticDataset(preset, split, r.run().seed(), clips, r.data().framesPerClip(),
                    r.image().size(), r.audio().sampleRate(), r.audio().secondsPerFrame());
        }
        if (path.isEmpty()) {
            throw new DataException("recipe data.path", "an empty path", "the data root on disk for data.kind " + kind);
        }
        Path root = Path.of(path);
        if (!Files.isDirectory(root)) {
            throw new DataException(Kind.MISSING, root, "no such folder", "the data root named by recipe data.path");
        }
        return switch (kind) {
            case "avss", "synthetic" -> new AvssReader(root, split, r);
            case "s4", "ms3" -> new AvsObjectsReader(root, kind, split, r);
            default -> VpoReader.open(root, split, r);
        };
    }

    /**
     * The off-screen set D_r for ACP: a folder of WAV files when cpm.noise is a path; the synthetic off-screen
     * sounds for the in-memory benchmark; otherwise the audio of other training clips.
     */
    public static OffscreenSet offscreen(Recipe r, AvsDataset train) {
        String noise = r.cpm().noise();
        int rate = r.audio().sampleRate();
        double spf = r.audio().secondsPerFrame();
        if (!noise.equals("auto")) {
            return new WavFolderOffscreen(Path.of(noise), rate, spf, train.channels());
        }
        if (train instanceof SyntheticDataset s) {
            int size = Math.max(64, Math.min(4096, s.clips()));
            return new SyntheticOffscreen(r.run().seed() ^ 0x0FF5C4EE7L, size, rate, spf, s.channels(),
                    s.classes().size());
        }
        return new ClipOffscreen(train);
    }

}
