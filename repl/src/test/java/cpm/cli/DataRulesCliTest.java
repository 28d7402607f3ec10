package cpm.cli;

import cpm.data.SynthWriter;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static cpm.cli.BadInputCatalogueTest.copyTree;
import static cpm.cli.BadInputCatalogueTest.deleteTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19, classes 6 and 7 through the command line: {@code ./cpm data check DIR} and
 * {@code ./cpm train --data DIR --steps 1} apply the same rules, so on a bad data set both exit 2 with the same
 * message, and on a good one (also one with a byte-order mark, CRLF, blank lines and padded fields) both accept
 * it; check's summary counts what was written and its output is capped per kind of problem.
 */
class DataRulesCliTest {

    static final int TRAIN = 2, TEST = 1, FRAMES = 5, SIZE = 64;

    static Path root;
    static Path good;   // written by SynthWriter: 2 training and 1 test clip of 5 labelled frames, 64 px, 5 s mono audio
    static int cases;

    @BeforeAll
    static void fixtures() throws IOException {
        root = Files.createTempDirectory("cpm-data-rules");
        good = SynthWriter.write(root.resolve("good"), "semantic", TRAIN, TEST, 5, SIZE, FRAMES);
    }

    @AfterAll
    static void cleanup() {
        deleteTree(root);
    }

    // ------------------------------------------------------------------ class 6: check and train agree

    /** Rows that training used to skip or misread silently (and check passed) are refused by both, alike. */
    @Test
    void checkAndTrainRefuseTheSameMetadataRows() throws IOException {
        String header = "uid,split,label,preset,seed,frames\n";
        String t0 = "train-semantic-000000,train,synth,semantic,5,5\n", t1 = "train-semantic-000001,train,synth,semantic,5,5\n";
        String e0 = "test-semantic-000000,test,synth,semantic,5,5\n";
        // a clip in two splits: training would see test data
        refusedAlike(csv(header + t0 + t1 + e0 + t0.replace(",train,", ",test,")), "line 5", "train-semantic-000000",
                "again, first at line 2", "each clip on one row");
        // a split nobody reads: the clip silently vanished from training
        refusedAlike(csv(header + t0 + t1.replace(",train,", ",Train,") + e0), "line 3", "split \"Train\"",
                "train, val or test");
        // a frames column that is not a number: silently replaced by data.framesPerClip
        refusedAlike(csv(header + t0.replace(",5\n", ",five\n") + t1 + e0), "line 2", "frames \"five\"");
        // no test clips: check passed it, training failed when it came to evaluate
        refusedAlike(csv(header + t0 + t1), "metadata.csv", "no clip with a labelled frame in split test");
        // a short row: silently read as a clip without a split
        refusedAlike(csv(header + t0 + t1 + e0 + "train-semantic-000001\n"), "line 5", "1 field", "6 fields");
    }

    /**
     * Audio too short for its frames (training padded it with silence), mono audio for a stereo recipe, and a
     * frame whose header claims 40000x40000 pixels (refused before its pixels are allocated).
     */
    @Test
    void checkAndTrainRefuseTheSameFiles() throws IOException {
        Path d = variant(x -> truncateWav(clip(x, "train", 0).resolve("audio.wav"), 2.0));
        refusedAlike(d, quick(d), "audio.wav", "2.00 s of audio", "at least 4.00 s");
        // check --recipe applies the recipe's audio.channels; training with that recipe refuses the same file
        Recipe stereo = quick(d).with(Map.of("data.kind", "synthetic", "data.preset", "stereo", "audio.channels", 2));
        Path ok = variant(x -> { });
        refusedAlike(ok, stereo.with("data.path", ok.toString()), "audio.wav", "found mono audio",
                "stereo audio (recipe audio.channels = 2)");
        Path huge = variant(x -> {
            for (int c = 0; c < TRAIN; c++) {
                for (int f = 0; f < FRAMES; f++) {
                    write(clip(x, "train", c).resolve("frames/" + f + ".png"), absurdPng(40000, 40000));
                }
            }
        });
        refusedAlike(huge, "frames/", "an image of 40000x40000 pixels", "at most 16384 pixels a side");
    }

    /** The summary counts what SynthWriter wrote; a good set passes both. */
    @Test
    void summaryCountsTheDataSetWritten() throws IOException {
        CliFixtures.Result r = CliFixtures.cpm("data", "check", good.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> meta = Files.readAllLines(good.resolve("metadata.csv"));
        long train = meta.stream().filter(l -> l.contains(",train,")).count();
        long test = meta.stream().filter(l -> l.contains(",test,")).count();
        assertEquals(TRAIN, train);
        String classes = Files.readString(good.resolve("label2idx.json"));
        int k = classes.split(":").length - 1;
        assertLine(r.out(), "clips", (train + test) + ": train " + train + ", test " + test);
        assertLine(r.out(), "labelled frames", (train + test) * FRAMES + ": train " + train * FRAMES + ", test "
                + test * FRAMES);
        assertLine(r.out(), "classes", k + ": background, bell, drum");
        assertLine(r.out(), "image sizes", SIZE + "x" + SIZE + " (" + (train + test) * FRAMES + " labelled frames decoded)");
        assertLine(r.out(), "audio", String.format(java.util.Locale.ROOT, "%.2f s, %d Hz, mono", (double) FRAMES, SynthWriter.SAMPLE_RATE));
        assertTrue(r.out().contains("ok: no problems found"), r.out());
    }

    /** 500 label maps with a bad colour: 20 lines of that kind, then the count of the rest; training agrees. */
    @Test
    void repeatedProblemsAreCappedPerKind() throws IOException {
        Path d = root.resolve("many");
        Path one = SynthWriter.write(root.resolve("one"), "semantic", 1, 0, 7, 32, FRAMES);
        Path src = clip(one, "train", 0);
        BufferedImage bad = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        bad.setRGB(3, 4, 0x123456);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        ImageIO.write(bad, "png", png);
        StringBuilder csv = new StringBuilder("uid,split,label\n");
        int clips = 100;
        for (int c = 0; c < clips; c++) {
            Path dir = copyTree(src, d.resolve("synth").resolve("c" + c));
            for (int f = 0; f < FRAMES; f++) {
                Files.write(dir.resolve("labels_rgb/" + f + ".png"), png.toByteArray());
            }
            csv.append("c").append(c).append(c < clips - 1 ? ",train" : ",test").append(",synth\n");
        }
        Files.writeString(d.resolve("metadata.csv"), csv);
        Files.copy(one.resolve("label2idx.json"), d.resolve("label2idx.json"));
        CliFixtures.Result r = CliFixtures.cpm("data", "check", d.toString());
        assertEquals(2, r.code(), r.err());
        long shown = r.out().lines().filter(l -> l.contains("found colour #123456 at pixel (x=3, y=4)")).count();
        assertEquals(20, shown, r.out());
        int total = clips * FRAMES;
        assertTrue(r.out().contains("  ... and " + (total - 20) + " more of this kind (colour outside the palette)"),
                r.out());
        assertTrue(r.err().contains(total + " problem(s) in " + d + " (colour outside the palette: " + total + ")"),
                r.err());
        assertLine(r.out(), "labelled frames", total + ": train " + (total - FRAMES) + ", test " + FRAMES);
        assertLine(r.out(), "image sizes", "32x32 (" + total + " labelled frames decoded)");
        assertTrue(r.out().lines().count() < 40, r.out());
        CliFixtures.Result t = train(d, quick(d));
        assertEquals(2, t.code(), t.err());
        assertTrue(t.err().contains("found colour #123456 at pixel (x=3, y=4), expected a PASCAL VOC palette colour"),
                t.err());
        assertEquals(2, CliFixtures.cpm("data", "check", d.toString(), "--max-per-kind", "0").code());
    }

    // ------------------------------------------------------------------ class 7: metadata text edge cases

    /** A UTF-8 BOM, CRLF, blank lines, lines of spaces and padded fields are read as the plain file is. */
    @Test
    void byteOrderMarksCrlfBlankLinesAndPaddingAreAccepted() throws IOException {
        String plain = Files.readString(good.resolve("metadata.csv"));
        StringBuilder messy = new StringBuilder("\uFEFF");
        String[] lines = plain.split("\n");
        for (int i = 0; i < lines.length; i++) {
            messy.append(String.join(" , ", lines[i].split(","))).append("  \r\n");
            if (i == 1) {
                messy.append("\r\n   \r\n");
            }
        }
        String json = "\uFEFF" + Files.readString(good.resolve("label2idx.json")).replace(", ", ",\r\n  ");
        Path d = variant(x -> {
            write(x.resolve("metadata.csv"), messy.toString(), StandardCharsets.UTF_8);
            write(x.resolve("label2idx.json"), json, StandardCharsets.UTF_8);
        });
        CliFixtures.Result good0 = CliFixtures.cpm("data", "check", good.toString());
        CliFixtures.Result r = CliFixtures.cpm("data", "check", d.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(summary(good0.out()), summary(r.out()));
        CliFixtures.Result t = train(d, quick(d));
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("test mIoU"), t.out());
        // UTF-16 with its byte-order mark is read too
        Path u = variant(x -> write(x.resolve("metadata.csv"), "\uFEFF" + plain, StandardCharsets.UTF_16LE));
        CliFixtures.Result ru = CliFixtures.cpm("data", "check", u.toString());
        assertEquals(0, ru.code(), ru.out() + ru.err());
        assertEquals(summary(good0.out()), summary(ru.out()));
    }

    /** Other encodings and odd class maps are refused by both with the file, line, what was found and expected. */
    @Test
    void otherEncodingsAndOddClassMapsAreRefusedAlike() throws IOException {
        String plain = Files.readString(good.resolve("metadata.csv"));
        String json = Files.readString(good.resolve("label2idx.json"));
        // Latin-1 text: every byte but one is ASCII, the e-acute of line 2 is 0xE9
        List<String> rows = new ArrayList<>(plain.lines().toList());
        rows.set(0, rows.get(0) + ",note");
        for (int i = 1; i < rows.size(); i++) {
            rows.set(i, rows.get(i) + (i == 1 ? ",caf\u00e9" : ",x"));
        }
        int column = rows.get(1).length(); // 1-based column of the last character
        refusedAlike(variant(x -> write(x.resolve("metadata.csv"), String.join("\n", rows) + "\n",
                StandardCharsets.ISO_8859_1)), "metadata.csv", "byte 0xE9 at line 2, column " + column, "not UTF-8",
                "UTF-8 text");
        refusedAlike(variant(x -> write(x.resolve("metadata.csv"), plain, StandardCharsets.UTF_16LE)),
                "metadata.csv", "NUL byte at line 1", "UTF-16 without a byte-order mark");
        Map<String, String[]> maps = new LinkedHashMap<>();
        maps.put(json.replace("\"bell\": 1", "\"bell\": -1"), new String[] {"\"bell\": -1", "negative",
            "a whole-number class index >= 0"});
        maps.put(json.replace("\"drum\": 2", "\"drum\": 2.5"), new String[] {"\"drum\": 2.5", "fractional"});
        maps.put(json.replace("\"drum\": 2", "\"drum\": \"2\""), new String[] {"\"drum\": \"2\"", "a string"});
        maps.put(json.replace("\"drum\": 2", "\"drum\": 1"), new String[] {"index 1 for both \"bell\" and \"drum\""});
        maps.put(json.replace("}", ", \"bell\": 9}"), new String[] {"\"bell\" again at line 1", "each class name once"});
        maps.put(json.replace(", \"voice\": 8", ""). replace("\"guitar\": 7", "\"guitar\": 9"),
                new String[] {"no class at index 7", "indices 0..7 without gaps"});
        maps.put(json.replace("\"background\": 0", "\"background\": 8").replace("\"voice\": 8", "\"voice\": 0"),
                new String[] {"\"voice\" at index 0, \"background\" at index 8", "\"background\" at index 0"});
        maps.put(json + "{}", new String[] {"more text after the object at line 2"});
        for (Map.Entry<String, String[]> m : maps.entrySet()) {
            String[] frags = new String[m.getValue().length + 1];
            frags[0] = "label2idx.json";
            System.arraycopy(m.getValue(), 0, frags, 1, m.getValue().length);
            refusedAlike(variant(x -> write(x.resolve("label2idx.json"), m.getKey(), StandardCharsets.UTF_8)), frags);
        }
        // an empty id and a clip twice in one split, after blank lines: lines are the file's lines
        refusedAlike(csv(plain + "\n\n,train,synth,semantic,5,5\n"), "line 7: an empty uid");
        String dup = plain.lines().skip(1).findFirst().orElseThrow();
        refusedAlike(csv(plain + "\r\n" + dup + "\n"), "line 6: clip train-semantic-000000 (split train) again");
    }

    // ------------------------------------------------------------------ helpers

    /** Both commands exit 2 and print the same problem, which names every fragment; returns that line. */
    static String refusedAlike(Path d, String... fragments) {
        return refusedAlike(d, quick(d), fragments);
    }

    static String refusedAlike(Path d, Recipe recipe, String... fragments) {
        Path rf = root.resolve("case-" + cases + ".json");
        try {
            CliFixtures.writeRecipe(rf, recipe);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CliFixtures.Result check = CliFixtures.cpm("data", "check", d.toString(), "--recipe", rf.toString());
        return CliFixtures.assertRefusedAlike(check, train(d, recipe), fragments);
    }

    static CliFixtures.Result train(Path d, Recipe recipe) {
        Path rf = root.resolve("train-" + cases + ".json");
        Path out = root.resolve("run-" + cases++);
        try {
            CliFixtures.writeRecipe(rf, recipe);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // the recipe holds data.path (d): --data would detect the folder's layout and replace a synthetic preset
        assertEquals(d.toString(), recipe.data().path());
        return CliFixtures.cpm("train", rf.toString(), "--out", out.toString(), "--steps", "1",
                "--threads", "1", "--no-progress", "--no-silenced");
    }

    static Recipe quick(Path d) {
        return CliFixtures.quick(2).with(Map.of("data.kind", "avss", "data.path", d.toString(), "image.size", SIZE,
                "run.checkpointInterval", 0, "run.pictures", 0));
    }

    /** A copy of the good set with {@code change} applied. */
    static Path variant(Consumer<Path> change) {
        Path d = copyTree(good, root.resolve("v" + cases++));
        change.accept(d);
        return d;
    }

    static Path csv(String text) {
        return variant(x -> write(x.resolve("metadata.csv"), text, StandardCharsets.UTF_8));
    }

    static void write(Path f, String text, java.nio.charset.Charset cs) {
        try {
            Files.write(f, text.getBytes(cs));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path clip(Path dataRoot, String split, int index) {
        return BadInputCatalogueTest.clip(dataRoot, split, index);
    }

    static void write(Path f, byte[] bytes) {
        try {
            Files.write(f, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A PNG whose header claims w x h RGB pixels (its data is a few bytes). */
    static byte[] absurdPng(int w, int h) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(type.getBytes(StandardCharsets.US_ASCII));
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(type.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Keeps the first {@code seconds} of a 16-bit mono WAV written by SynthWriter (44-byte header). */
    static void truncateWav(Path wav, double seconds) {
        try {
            byte[] b = Files.readAllBytes(wav);
            int n = (int) Math.round(seconds * SynthWriter.SAMPLE_RATE) * 2;
            java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            h.putInt(4, 36 + n).putInt(40, n);
            Files.write(wav, java.util.Arrays.copyOf(b, 44 + n));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The summary lines of data check's output (without the "data set PATH" line). */
    static List<String> summary(String out) {
        return out.lines().filter(l -> l.startsWith("  ") && !l.startsWith("  ...")).toList();
    }

    static void assertLine(String out, String label, String value) {
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith(label) && l.contains(value)),
                "a summary line \"" + label + "\" with \"" + value + "\" in:\n" + out);
    }
}
