package cpm.data;

import cpm.dsl.SyntheticCatalog;
import cpm.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the synthetic benchmark to disk in the AVSBench-Semantics layout (docs/datasets.md), as
 * {@code ./cpm synth} does: metadata.csv (uid, split, label=synth, preset, seed, frames), label2idx.json,
 * {@code synth/<uid>/frames/i.png}, {@code labels_rgb/i.png} (VOC palette) and {@code audio.wav} (16-bit PCM,
 * 16 kHz, the clip's frames' seconds in order). Frames are PNG so that images survive exactly (to 8 bits).
 * Everything goes to a temporary sibling folder that is renamed into place at the end (beside the path a
 * symbolic link {@code out} points to, so the link stays); the files inside are created under the umask.
 */
public final class SynthWriter {

    public static final int SAMPLE_RATE = 16000;

    private SynthWriter() {
    }

    /** Writes {@code train} training and {@code test} test clips; returns {@code out}. */
    public static Path write(Path out, String preset, int train, int test, long seed, int imageSize, int frames) {
        out = out.toAbsolutePath().normalize();
        try {
            out = AtomicFiles.resolveLinks(out); // a link to a new path: the folder is made where it points
        } catch (IOException e) {
            throw new DataException(out, "a broken chain of symbolic links (" + e.getMessage() + ")",
                    "a path that does not exist yet");
        }
        if (Files.exists(out)) {
            throw new DataException(out, "an existing " + (Files.isDirectory(out) ? "folder" : "file"),
                    "a path that does not exist yet (remove it or choose another --out)");
        }
        Path tmp = out.resolveSibling("." + out.getFileName() + ".partial");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            StringBuilder csv = new StringBuilder("uid,split,label,preset,seed,frames\n");
            for (String split : List.of("train", "test")) {
                SyntheticDataset d = new SyntheticDataset(preset, split, seed, split.equals("train") ? train : test,
                        frames, imageSize, SAMPLE_RATE, 1.0);
                for (int c = 0; c < d.clips(); c++) {
                    String uid = d.clipId(c);
                    writeClip(tmp.resolve("synth").resolve(uid), d, c);
                    csv.append(uid).append(',').append(split).append(",synth,").append(preset).append(',')
                            .append(seed).append(',').append(frames).append('\n');
                }
            }
            Files.writeString(tmp.resolve("metadata.csv"), csv.toString(), StandardCharsets.UTF_8);
            StringBuilder json = new StringBuilder("{");
            List<String> classes = SyntheticCatalog.classNames(preset);
            for (int i = 0; i < classes.size(); i++) {
                json.append(i == 0 ? "" : ", ").append('"').append(classes.get(i)).append("\": ").append(i);
            }
            Files.writeString(tmp.resolve("label2idx.json"), json.append("}\n").toString(), StandardCharsets.UTF_8);
            Files.createDirectories(out.getParent());
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new DataException(out, "a write failure (" + e.getMessage() + ")", "a writable folder", e);
        } finally {
            try {
                deleteTree(tmp);
            } catch (IOException ignored) {
                // best effort: the partial folder is hidden and replaced on the next run
            }
        }
    }

    private static void writeClip(Path dir, SyntheticDataset d, int clip) {
        int frames = d.framesPerClip();
        float[][] audio = null;
        for (int f = 0; f < frames; f++) {
            Sample s = d.get(clip * frames + f);
            Images.writePng(dir.resolve("frames").resolve(f + ".png"), Images.fromChw(s.rgb(), s.height(), s.width()));
            Images.writePng(dir.resolve("labels_rgb").resolve(f + ".png"), Palette.encode(s.label(), s.height(), s.width()));
            int n = s.samplesPerChannel();
            if (audio == null) {
                audio = new float[s.channels()][n * frames];
            }
            for (int c = 0; c < s.channels(); c++) {
                System.arraycopy(s.audio(), c * n, audio[c], f * n, n);
            }
        }
        WavIO.write(dir.resolve("audio.wav"), SAMPLE_RATE, audio);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
