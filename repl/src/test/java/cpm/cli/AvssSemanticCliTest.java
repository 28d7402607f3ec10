package cpm.cli;

import cpm.data.SynthWriter;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static cpm.cli.BadInputCatalogueTest.copyTree;
import static cpm.cli.BadInputCatalogueTest.deleteTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, AVSS as CAVP reads it, through the command line: labels_semantic index maps (greyscale and palette
 * PNGs) beside or instead of labels_rgb, a 10-s v2 clip (10 frames, 10 s of audio), data.frameSampling
 * randomLabelled and the log-mel front-end; {@code data check}, one training step and the evaluation that ends it
 * on each; bad input refused by check and training alike with the file named.
 */
class AvssSemanticCliTest {

    static final int SIZE = 64, FRAMES = 5;

    static Path root;
    static Path rgb;       // SynthWriter's set: 2 training and 1 test clip, labels_rgb only
    static Path semantic;  // the same set: train 0 greyscale labels_semantic only, train 1 both kinds, test palette
                           // labels_semantic only
    static int runs;

    @BeforeAll
    static void fixtures() throws IOException {
        root = Files.createTempDirectory("cpm-avss-semantic");
        rgb = SynthWriter.write(root.resolve("rgb"), "semantic", 2, 1, 5, SIZE, FRAMES);
        semantic = copyTree(rgb, root.resolve("semantic"));
        toSemantic(clip(semantic, "train", 0), false, true);
        toSemantic(clip(semantic, "train", 1), false, false);
        toSemantic(clip(semantic, "test", 0), true, true);
    }

    @AfterAll
    static void cleanup() {
        deleteTree(root);
    }

    /** Both sets pass check, and one training step plus the evaluation give the same numbers on both. */
    @Test
    void semanticAndRgbLabelMapsGiveTheSameTraining() throws IOException {
        CliFixtures.Result c = CliFixtures.cpm("data", "check", semantic.toString());
        assertEquals(0, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("labelled frames  " + 3 * FRAMES + ": train 10, test 5"), c.out());
        CliFixtures.Result a = train(rgb, quick(rgb));
        CliFixtures.Result b = train(semantic, quick(semantic));
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(scores(a.out()), scores(b.out()));
        assertFalse(scores(a.out()).isEmpty(), a.out());
        List<String> la = losses(run(runs - 2));
        assertTrue(la.size() >= 2, "a logged step: " + la);
        assertEquals(la, losses(run(runs - 1)), "the same batches, the same losses");
    }

    /**
     * A 10-s v2 clip joins the set (10 labelled frames, 10 s of audio); training draws one labelled frame per clip
     * (randomLabelled) and its audio backbone sees CAVP's log-mel while ACP masks the magnitudes.
     */
    @Test
    void tenSecondClipsRandomLabelledFramesAndLogMelTrainAndEvaluate() throws IOException {
        Path d = withV2(root.resolve("v2"), 10);
        CliFixtures.Result c = CliFixtures.cpm("data", "check", d.toString());
        assertEquals(0, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("labelled frames  25: train 20, test 5"), c.out());
        assertTrue(c.out().contains("audio            5.00 to 10.00 s"), c.out());
        Recipe r = quick(d).with(Map.of("data.frameSampling", "randomLabelled", "audio.frontEnd", "logmel",
                "audio.winLength", 400, "run.logInterval", 1));
        CliFixtures.Result t = train(d, r);
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("test mIoU"), t.out());
        List<String> rows = Files.readAllLines(run(runs - 1).resolve("history.csv"));
        List<String> header = List.of(rows.get(0).split(","));
        int acp = header.indexOf("loss_acp");
        assertTrue(acp >= 0, rows.get(0));
        double l = Double.parseDouble(rows.get(rows.size() - 1).split(",")[acp]);
        assertTrue(Double.isFinite(l) && l > 0, "ACP trains on the magnitudes: " + rows);
    }

    /** Bad input: an index outside the class map, a v2 clip of 7 frames, maps that disagree, a bad mel range. */
    @Test
    void badInputNamesTheFile() throws IOException {
        // every training map is bad, so the few items one step reads meet one
        Path idx = variant("index", x -> eachTrainingMap(x, p -> paintIndex(p, 3, 4, 20)));
        refusedAlike(idx, "labels_semantic/", "class 20 at pixel (x=3, y=4)", "a class index below 9", "or 255");
        Path seven = withV2(root.resolve("seven"), 7);
        refusedAlike(seven, "v2/v2clip/frames/7.jpg", "no such file (nor 7.png)", "frame 7 of 10 of clip v2clip");
        // both kinds in one clip must agree; check compares them (training reads labels_semantic only)
        int[] was = new int[1];
        Path mismatch = variant("mismatch", x -> {
            Path p = clip(x, "train", 1).resolve("labels_semantic/4.png");
            was[0] = paintIndex(p, 5, 6, 0);
            if (was[0] == 0) {
                paintIndex(p, 5, 6, 1);
            }
        });
        int now = was[0] == 0 ? 1 : 0;
        CliFixtures.Result c = CliFixtures.cpm("data", "check", mismatch.toString());
        assertEquals(2, c.code(), c.out() + c.err());
        assertTrue(c.out().lines().anyMatch(line -> line.contains("labels_semantic/4.png: found class " + now
                + " at pixel (x=5, y=6) where labels_rgb/4.png has class " + was[0] + ", expected the classes of "
                + "labels_rgb/4.png")), c.out());
        assertTrue(c.err().contains("labels_semantic and labels_rgb disagree: 1"), c.err());
        // an RGB image where an index map belongs
        Path colour = variant("colour", x -> eachTrainingMap(x, p -> copy(clip(x, "train", 1)
                .resolve("labels_rgb/0.png"), p)));
        refusedAlike(colour, "labels_semantic/", "an image with 3 channels", "a single-channel index map");
        // the log-mel range is checked with the recipe
        Path rf = CliFixtures.writeRecipe(root.resolve("mel.json"), quick(rgb));
        CliFixtures.Result bad = CliFixtures.cpm("train", rf.toString(), "--out", root.resolve("mel-run").toString(),
                "--steps", "1", "--no-progress", "--set", "audio.frontEnd=logmel", "--set", "audio.melMax=9000");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("audio.melMax") && bad.err().contains("at most audio.sampleRate / 2 (8000 Hz)"),
                bad.err());
        assertFalse(bad.err().contains("\tat "), bad.err());
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Writes the clip's labels_rgb maps as labels_semantic index maps: an 8-bit palette PNG when {@code palette}
     * (pixel values are palette indices, the palette holds other colours), else 8-bit grey; {@code dropRgb}
     * removes the labels_rgb folder.
     */
    static void toSemantic(Path clip, boolean palette, boolean dropRgb) throws IOException {
        Path src = clip.resolve("labels_rgb"), dst = clip.resolve("labels_semantic");
        Files.createDirectories(dst);
        List<Path> maps;
        try (var s = Files.list(src)) {
            maps = s.sorted().collect(Collectors.toList());
        }
        for (Path p : maps) {
            BufferedImage c = ImageIO.read(p.toFile());
            int w = c.getWidth(), h = c.getHeight();
            BufferedImage out = palette ? new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, greys())
                    : new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out.getRaster().setSample(x, y, 0, vocIndex(c.getRGB(x, y) & 0xFFFFFF));
                }
            }
            ImageIO.write(out, "png", dst.resolve(p.getFileName()).toFile());
        }
        if (dropRgb) {
            deleteTree(src);
        }
    }

    /** A palette whose colours are unrelated to the VOC colours, so only the indices carry the classes. */
    static IndexColorModel greys() {
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) (255 - i);
            g[i] = (byte) i;
            b[i] = (byte) (i * 7);
        }
        return new IndexColorModel(8, 256, r, g, b);
    }

    /** The VOC palette index of a colour, by the bit rule of docs/datasets.md (written here, not Palette's). */
    static int vocIndex(int rgb) {
        for (int j = 0; j < 256; j++) {
            int r = 0, g = 0, b = 0, c = j;
            for (int i = 0; c > 0; i++, c >>= 3) {
                r |= (c & 1) << (7 - i);
                g |= ((c >> 1) & 1) << (7 - i);
                b |= ((c >> 2) & 1) << (7 - i);
            }
            if (((r << 16) | (g << 8) | b) == rgb) {
                return j;
            }
        }
        throw new IllegalArgumentException(String.format("colour #%06X", rgb));
    }

    /** Sets one pixel of an index map; returns the value it had. */
    static int paintIndex(Path png, int x, int y, int value) {
        try {
            BufferedImage img = ImageIO.read(png.toFile());
            int old = img.getRaster().getSample(x, y, 0);
            img.getRaster().setSample(x, y, 0, value);
            ImageIO.write(img, "png", png.toFile());
            return old;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The semantic set plus a v2 clip "v2clip" (train) with {@code frames} frames: train 0's five frames and maps
     * twice over and its audio twice (10 s).
     */
    static Path withV2(Path dir, int frames) throws IOException {
        Path d = copyTree(semantic, dir);
        Path src = clip(d, "train", 0), dst = d.resolve("v2/v2clip");
        Files.createDirectories(dst.resolve("frames"));
        Files.createDirectories(dst.resolve("labels_semantic"));
        for (int f = 0; f < frames; f++) {
            Files.copy(src.resolve("frames/" + f % FRAMES + ".png"), dst.resolve("frames/" + f + ".png"));
            Files.copy(src.resolve("labels_semantic/" + f % FRAMES + ".png"),
                    dst.resolve("labels_semantic/" + f + ".png"));
        }
        float[][] a = cpm.data.WavIO.read(src.resolve("audio.wav")).samples();
        float[][] twice = new float[a.length][2 * a[0].length];
        for (int ch = 0; ch < a.length; ch++) {
            System.arraycopy(a[ch], 0, twice[ch], 0, a[ch].length);
            System.arraycopy(a[ch], 0, twice[ch], a[ch].length, a[ch].length);
        }
        cpm.data.WavIO.write(dst.resolve("audio.wav"), SynthWriter.SAMPLE_RATE, twice);
        Files.writeString(d.resolve("metadata.csv"), "v2clip,train,v2,semantic,5,10\n",
                java.nio.file.StandardOpenOption.APPEND);
        return d;
    }

    /** Applies {@code change} to every labels_semantic map of the training clips. */
    static void eachTrainingMap(Path d, java.util.function.Consumer<Path> change) {
        for (int c = 0; c < 2; c++) {
            for (int f = 0; f < FRAMES; f++) {
                change.accept(clip(d, "train", c).resolve("labels_semantic/" + f + ".png"));
            }
        }
    }

    static Path variant(String name, java.util.function.Consumer<Path> change) {
        Path d = copyTree(semantic, root.resolve(name));
        change.accept(d);
        return d;
    }

    static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Check and training both exit 2; training's message is one of check's lines and names every fragment. */
    static void refusedAlike(Path d, String... fragments) {
        CliFixtures.assertRefusedAlike(CliFixtures.cpm("data", "check", d.toString()), train(d, quick(d)), fragments);
    }

    /** One training step (and the evaluation that ends it) on {@code d} with {@code recipe}. */
    static CliFixtures.Result train(Path d, Recipe recipe) {
        Path rf = root.resolve("train-" + runs + ".json");
        Path out = run(runs++);
        try {
            CliFixtures.writeRecipe(rf, recipe);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new java.util.ArrayList<>(List.of("train", rf.toString(), "--out", out.toString(),
                "--threads", "1", "--no-progress", "--no-silenced", "--steps", "1"));
        return CliFixtures.cpm(args.toArray(String[]::new));
    }

    static Path run(int i) {
        return root.resolve("run-" + i);
    }

    static Recipe quick(Path d) {
        return CliFixtures.quick(2).with(Map.of("data.kind", "avss", "data.path", d.toString(), "image.size", SIZE,
                "run.checkpointInterval", 0, "run.pictures", 0, "run.logInterval", 1));
    }

    static Path clip(Path dataRoot, String split, int index) {
        return BadInputCatalogueTest.clip(dataRoot, split, index);
    }

    /** The score lines training prints. */
    static String scores(String out) {
        return out.lines().filter(l -> l.contains("mIoU")).collect(Collectors.joining("\n"));
    }

    /** history.csv without its time column(s). */
    static List<String> losses(Path run) throws IOException {
        List<String> rows = Files.readAllLines(run.resolve("history.csv"));
        List<String> header = List.of(rows.get(0).split(","));
        return rows.stream().map(r -> {
            String[] f = r.split(",");
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < f.length; i++) {
                if (!header.get(i).contains("time") && !header.get(i).contains("second")) {
                    b.append(f[i]).append(',');
                }
            }
            return b.toString();
        }).collect(Collectors.toList());
    }
}
