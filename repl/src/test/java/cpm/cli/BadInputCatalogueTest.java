package cpm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import cpm.data.Palette;
import cpm.data.SynthWriter;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.train.Checkpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalogue of bad inputs (docs/reliability.md): recipes, data sets, checkpoints and options, each fed to
 * {@code ./cpm} in-process. Every case must end with exit status 2, a message naming the file or field with what
 * was found and what was expected, no stack trace (no {@code --debug}), and no file left half-written: no
 * temporary file anywhere, no run started in the output folder, and the files that were there unchanged.
 */
class BadInputCatalogueTest {

    static Path root;
    static Path data;       // a good on-disk synthetic data set (AVSS layout), copied and corrupted per case
    static Path run;        // a good run folder with a checkpoint at step 2
    static Recipe quick;

    /** One bad input: prepare files in a fresh folder, run the command line, look for the named fragments. */
    record Case(String name, Function<Path, String[]> setup, String... mustName) {
    }

    @BeforeAll
    static void fixtures() throws IOException {
        root = Files.createTempDirectory("cpm-catalogue");
        quick = CliFixtures.quick(2).with("run.checkpointInterval", 0);
        data = SynthWriter.write(root.resolve("data"), "semantic", 2, 1, 5, 64, 5);
        run = root.resolve("run");
        CliFixtures.Result r = CliFixtures.cpm("train", CliFixtures.writeRecipe(root.resolve("quick.json"), quick)
                .toString(), "--out", run.toString(), "--no-progress", "--no-silenced");
        assertEquals(0, r.code(), r.err());
    }

    @AfterAll
    static void cleanup() throws IOException {
        deleteTree(root);
    }

    @TestFactory
    Stream<DynamicTest> catalogue() {
        List<Case> cases = new ArrayList<>();
        recipes(cases);
        dataSets(cases);
        checkpoints(cases);
        options(cases);
        assertTrue(cases.size() >= 30, "cases: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    /** The same bad input with --debug prints the stack trace too, and still exits 2. */
    @org.junit.jupiter.api.Test
    void debugAddsTheStackTrace() {
        CliFixtures.Result r = CliFixtures.cpm("describe", "tinny", "--debug");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("tinny") && r.err().contains("\tat "), r.err());
        CliFixtures.Result plain = CliFixtures.cpm("describe", "tinny");
        assertEquals(2, plain.code());
        assertFalse(plain.err().contains("\tat "), plain.err());
    }

    // ---------------------------------------------------------------- recipes

    static void recipes(List<Case> cases) {
        Object[][] ranges = {
            {"optim.steps", 0}, {"optim.batchSize", 5000}, {"image.size", 8}, {"decoder.dropout", 0.95},
            {"queries.count", 0}, {"cpm.tau", -1.0}, {"classifier.kind", "banana"}, {"data.kind", "mp4"},
            {"optim.lr", "fast"},
        };
        for (Object[] r : ranges) {
            String field = (String) r[0];
            cases.add(new Case("recipe field out of range: " + field + " = " + r[1],
                    dir -> train(recipeFile(dir, field, r[1]), dir), field, String.valueOf(r[1])));
        }
        cases.add(new Case("recipe unknown field", dir -> train(recipeFile(dir, "optim.stepz", 3), dir), "optim.stepz",
                "optim.steps"));
        cases.add(new Case("recipe cross-field: heads not dividing hiddenDim",
                dir -> train(recipeFile(dir, "decoder.heads", 3), dir), "decoder.heads", "decoder.hiddenDim"));
        cases.add(new Case("recipe cross-field: image.size not a multiple of 32",
                dir -> train(recipeFile(dir, "image.size", 72), dir), "image.size", "72", "32"));
        cases.add(new Case("recipe malformed JSON", dir -> train(write(dir.resolve("bad.json"), "{\"optim\": {"), dir),
                "bad.json", "malformed JSON"));
        cases.add(new Case("recipe JSON that is an array", dir -> train(write(dir.resolve("arr.json"), "[1, 2]"), dir),
                "arr.json", "a JSON object"));
        cases.add(new Case("recipe file missing", dir -> train(dir.resolve("none.json").toString(), dir),
                "none.json", "no such file"));
        cases.add(new Case("recipe file of another kind", dir -> train(write(dir.resolve("r.txt"), "x"), dir),
                "r.txt", ".json"));
        cases.add(new Case("unknown preset", dir -> train("tinny", dir), "tinny", "tiny"));
        cases.add(new Case(".jsh that throws", dir -> train(write(dir.resolve("throws.jsh"),
                "throw new IllegalStateException(\"broken script\");\n"), dir), "throws.jsh", "broken script"));
        cases.add(new Case(".jsh that yields no recipe", dir -> train(write(dir.resolve("none.jsh"),
                "int x = 1 + 1;\n"), dir), "none.jsh", "recipe"));
        cases.add(new Case(".jsh that does not compile", dir -> train(write(dir.resolve("typo.jsh"),
                "Recipe r = Presets.gett(\"tiny\");\n"), dir), "typo.jsh"));
    }

    // ---------------------------------------------------------------- data sets

    static void dataSets(List<Case> cases) {
        dataCase(cases, "data: missing frame", d -> delete(clip(d, "train", 0).resolve("frames/3.png")), "frames",
                "3");
        dataCase(cases, "data: truncated WAV", d -> truncate(clip(d, "train", 0).resolve("audio.wav"), 300),
                "audio.wav", "truncated");
        dataCase(cases, "data: non-PCM WAV (A-law)", d -> patchWavFormat(clip(d, "train", 1).resolve("audio.wav"), 6),
                "audio.wav", "PCM");
        dataCase(cases, "data: label map of the wrong size", d -> writePng(clip(d, "train", 0)
                .resolve("labels_rgb/1.png"), new BufferedImage(10, 7, BufferedImage.TYPE_INT_RGB)), "labels_rgb",
                "10x7");
        dataCase(cases, "data: label map with an unknown colour", d -> paint(clip(d, "train", 1)
                .resolve("labels_rgb/2.png"), 0x123456), "labels_rgb", "#123456");
        dataCase(cases, "data: label of an unknown class", d -> {
            for (int c = 0; c < 2; c++) {
                for (int f = 0; f < 5; f++) {
                    paint(clip(d, "train", c).resolve("labels_rgb/" + f + ".png"), Palette.colour(200));
                }
            }
        }, "labels_rgb", "class 200");
        dataCase(cases, "data: empty clip (no frames)", d -> {
            Path frames = clip(d, "train", 1).resolve("frames");
            deleteTree(frames);
            mkdirs(frames);
        }, "frames");
        dataCase(cases, "data: metadata naming a clip outside the data root", d -> appendLine(d.resolve("metadata.csv"),
                "../../escape,train,synth,semantic,5,5"), "metadata.csv", "escape");
        dataCase(cases, "data: label2idx without a class the labels use", d -> write(d.resolve("label2idx.json"),
                "{\"background\": 0, \"dog\": 1}"), "labels_rgb", "class");
        dataCase(cases, "data: mismatched frame counts (a sixth frame)", d -> copy(clip(d, "train", 0)
                .resolve("frames/0.png"), clip(d, "train", 0).resolve("frames/5.png")), "frames", "6");
        dataCase(cases, "data: metadata without the split column", d -> write(d.resolve("metadata.csv"),
                "uid,label\nx,synth\n"), "metadata.csv", "split");
        dataCase(cases, "data: label2idx.json not JSON", d -> write(d.resolve("label2idx.json"), "{background"),
                "label2idx.json");
        dataCase(cases, "data: missing audio", d -> delete(clip(d, "test", 0).resolve("audio.wav")), "audio.wav");
        cases.add(new Case("data: no such data root", dir -> {
            Path rf = recipeFile(dir, Map.of("data.kind", "avss", "data.path", dir.resolve("nowhere").toString()));
            return new String[] {"train", rf.toString(), "--data", dir.resolve("nowhere").toString(), "--out",
                dir.resolve("out").toString(), "--no-progress"};
        }, "nowhere", "no such folder"));
    }

    /** Copies the good data set, breaks it, and runs `train` on it (and the same through `data check`). */
    static void dataCase(List<Case> cases, String name, java.util.function.Consumer<Path> corrupt, String... mustName) {
        cases.add(new Case(name + " (train)", dir -> {
            Path d = copyTree(data, dir.resolve("data"));
            corrupt.accept(d);
            Path rf = recipeFile(dir, Map.of("data.kind", "avss", "data.path", d.toString()));
            return new String[] {"train", rf.toString(), "--data", d.toString(), "--out", dir.resolve("out").toString(),
                "--no-progress", "--no-silenced"};
        }, mustName));
        cases.add(new Case(name + " (data check)", dir -> {
            Path d = copyTree(data, dir.resolve("data"));
            corrupt.accept(d);
            return new String[] {"data", "check", d.toString(), "--kind", "avss"};
        }, mustName));
    }

    // ---------------------------------------------------------------- checkpoints

    static void checkpoints(List<Case> cases) {
        cases.add(new Case("checkpoint truncated (resume)", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            truncate(lastCheckpoint(r), 5000);
            return resume(r);
        }, "step-00000002.ckpt", "truncated"));
        cases.add(new Case("checkpoint truncated (eval)", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            truncate(lastCheckpoint(r), 5000);
            return new String[] {"eval", "--run", r.toString()};
        }, "step-00000002.ckpt", "truncated"));
        cases.add(new Case("checkpoint with a flipped byte", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            Path ck = lastCheckpoint(r);
            byte[] b = readBytes(ck);
            b[b.length / 2] ^= 0x40;
            writeBytes(ck, b);
            return resume(r);
        }, "step-00000002.ckpt", "SHA-256"));
        cases.add(new Case("checkpoint from a newer format", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            Path ck = lastCheckpoint(r);
            byte[] b = readBytes(ck);
            ByteBuffer.wrap(b).putInt(8, Checkpoint.VERSION + 1);
            writeBytes(ck, b);
            return resume(r);
        }, "step-00000002.ckpt", "version " + (Checkpoint.VERSION + 1), "at most " + Checkpoint.VERSION));
        cases.add(new Case("checkpoint from another recipe", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            Path ck = lastCheckpoint(r);
            Checkpoint c = Checkpoint.read(ck);
            Map<String, String> meta = new LinkedHashMap<>(c.meta());
            meta.put("recipe", RecipeJson.toJson(quick.with("queries.count", 16)));
            new Checkpoint(meta, c.tensors()).write(ck);
            write(r.resolve("recipe.json"), meta.get("recipe")); // else resume stops at the recipe.json comparison
            return resume(r);
        }, "step-00000002.ckpt", "shape", "another recipe"));
        cases.add(new Case("checkpoint that is not one", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            write(lastCheckpoint(r), "hello");
            return resume(r);
        }, "step-00000002.ckpt", "CPMCKPT"));
        cases.add(new Case("resume a folder without checkpoints", dir -> resume(mkdirs(dir.resolve("empty"))),
                "empty", "no checkpoint"));
        cases.add(new Case("train into a run folder that has checkpoints", dir -> {
            Path r = copyTree(run, dir.resolve("run"));
            return new String[] {"train", "tiny", "--out", r.toString(), "--no-progress"};
        }, "run", "--resume"));
    }

    // ---------------------------------------------------------------- options

    static void options(List<Case> cases) {
        cases.add(new Case("option --steps not a number", dir -> new String[] {"train", "tiny", "--steps", "many"},
                "--steps", "many"));
        cases.add(new Case("option --steps negative", dir -> new String[] {"train", "tiny", "--steps", "-3", "--out",
            dir.resolve("out").toString()}, "optim.steps", "-3"));
        cases.add(new Case("unknown option", dir -> new String[] {"train", "tiny", "--stepz", "3"}, "--stepz"));
        cases.add(new Case("unknown command", dir -> new String[] {"trian", "tiny"}, "trian"));
        cases.add(new Case("--resume without --out", dir -> new String[] {"train", "--resume"}, "--out"));
        cases.add(new Case("synth --preset unknown", dir -> new String[] {"synth", "--out", dir.resolve("s").toString(),
            "--preset", "jazz"}, "--preset", "jazz"));
        cases.add(new Case("synth --size too small", dir -> new String[] {"synth", "--out", dir.resolve("s").toString(),
            "--size", "4"}, "--size"));
        cases.add(new Case("synth into an existing folder", dir -> new String[] {"synth", "--out", dir.toString(),
            "--train", "1", "--test", "1"}, "case", "an existing folder"));
        cases.add(new Case("data check --kind unknown", dir -> new String[] {"data", "check", data.toString(), "--kind",
            "mpeg"}, "--kind", "mpeg"));
        cases.add(new Case("eval --split unknown", dir -> new String[] {"eval", "--run", copyTree(run,
            dir.resolve("run")).toString(), "--split", "holdout"}, "holdout"));
        cases.add(new Case("train --out under a regular file", dir -> {
            Path file = Path.of(write(dir.resolve("plain"), "x"));
            return new String[] {"train", "tiny", "--out", file.resolve("sub").toString(), "--no-progress"};
        }, "plain", "writable"));
        cases.add(new Case("ablate --table unknown", dir -> new String[] {"ablate", "tiny", "--table", "7", "--out",
            dir.resolve("abl").toString()}, "--table", "7"));
    }

    // ---------------------------------------------------------------- the check

    static void check(Case c) throws IOException {
        Path dir = Files.createTempDirectory(root, "case");
        String[] args = c.setup().apply(dir);
        Map<Path, String> before = snapshot(dir);
        CliFixtures.Result r = CliFixtures.cpm(args);
        String all = r.out() + r.err();
        String where = c.name() + ": " + String.join(" ", args) + "\n--- out:\n" + r.out() + "--- err:\n" + r.err();
        assertEquals(2, r.code(), "exit status; " + where);
        for (String s : c.mustName()) {
            assertTrue(all.contains(s), "names \"" + s + "\"; " + where);
        }
        String lower = all.toLowerCase(Locale.ROOT);
        assertTrue(lower.contains("expected") || lower.contains("usage:") || lower.contains("did you mean"),
                "says what was expected; " + where);
        assertFalse(all.matches("(?s).*\\n\\s+at [\\w$.]+\\(.*"), "no stack trace; " + where);
        assertFalse(all.matches("(?s).*\\bat (cpm|java|jdk|ai|picocli)\\.[\\w.$]+\\(.*"), "no stack frame; " + where);
        assertFalse(all.contains("Exception in thread"), "no uncaught exception; " + where);
        // nothing half-written: no temporary files, no run started, the files already there unchanged
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                assertFalse(n.endsWith(".tmp") || n.endsWith(".partial"), "left " + f + "; " + where);
            }
        }
        Map<Path, String> after = snapshot(dir);
        for (Map.Entry<Path, String> e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), "unchanged " + e.getKey() + "; " + where);
        }
        boolean rescued = r.err().contains("saved step-"); // a file failed to decode mid-run: work is kept
        for (Path p : after.keySet()) {
            if (!before.containsKey(p)) {
                String n = p.getFileName().toString();
                if (rescued && n.endsWith(".ckpt")) {
                    Checkpoint.read(dir.resolve(p)); // complete and verified
                } else {
                    assertFalse(n.endsWith(".ckpt") || n.equals("history.csv") || n.endsWith(".png"),
                            "no run output " + p + "; " + where);
                }
            }
        }
        deleteTree(dir);
    }

    // ---------------------------------------------------------------- helpers

    static String[] train(String recipe, Path dir) {
        return new String[] {"train", recipe, "--out", dir.resolve("out").toString(), "--no-progress"};
    }

    static String[] train(Path recipe, Path dir) {
        return train(recipe.toString(), dir);
    }

    static String[] resume(Path runDir) {
        return new String[] {"train", "--resume", "--out", runDir.toString(), "--no-progress", "--no-silenced"};
    }

    /** The quick recipe as JSON with one field (section.key) set to a raw value, bypassing the builder's checks. */
    static Path recipeFile(Path dir, String field, Object value) {
        return recipeFile(dir, Map.of(field, value));
    }

    static Path recipeFile(Path dir, Map<String, Object> fields) {
        try {
            ObjectMapper m = new ObjectMapper();
            ObjectNode tree = (ObjectNode) m.readTree(RecipeJson.toJson(quick));
            fields.forEach((field, value) -> {
                int dot = field.indexOf('.');
                ObjectNode section = tree.has(field.substring(0, dot)) ? (ObjectNode) tree.get(field.substring(0, dot))
                        : tree.putObject(field.substring(0, dot));
                section.set(field.substring(dot + 1), m.valueToTree(value));
            });
            Path f = dir.resolve("recipe.json");
            Files.writeString(f, m.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path clip(Path dataRoot, String split, int index) {
        try {
            List<String> lines = Files.readAllLines(dataRoot.resolve("metadata.csv"));
            int seen = 0;
            for (String line : lines.subList(1, lines.size())) {
                String[] c = line.split(",");
                if (c[1].equals(split) && seen++ == index) {
                    return dataRoot.resolve(c[2]).resolve(c[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no clip " + split + " " + index);
    }

    static Path lastCheckpoint(Path runDir) {
        return new cpm.train.loop.RunFolder(runDir).latestCheckpoint();
    }

    static Map<Path, String> snapshot(Path dir) throws IOException {
        Map<Path, String> m = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(f), Arrays.toString(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(f))));
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    static String write(Path f, String text) {
        try {
            Files.createDirectories(f.toAbsolutePath().getParent());
            Files.writeString(f, text);
            return f.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void appendLine(Path f, String line) {
        try {
            Files.writeString(f, Files.readString(f) + line + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] readBytes(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeBytes(Path f, byte[] b) {
        try {
            Files.write(f, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void truncate(Path f, int keep) {
        byte[] b = readBytes(f);
        writeBytes(f, Arrays.copyOf(b, Math.min(keep, b.length - 1)));
    }

    /** Rewrites the format tag of a WAV's fmt chunk (1 = PCM; 6 = A-law). */
    static void patchWavFormat(Path wav, int format) {
        byte[] b = readBytes(wav);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(20, (short) format);
        writeBytes(wav, b);
    }

    static void writePng(Path f, BufferedImage img) {
        try {
            ImageIO.write(img, "png", f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Paints a 3x3 square of one colour into a label map. */
    static void paint(Path png, int rgb) {
        try {
            BufferedImage img = ImageIO.read(png.toFile());
            BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            out.getGraphics().drawImage(img, 0, 0, null);
            for (int y = 5; y < 8; y++) {
                for (int x = 5; x < 8; x++) {
                    out.setRGB(x, y, rgb);
                }
            }
            ImageIO.write(out, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path f) {
        try {
            Files.delete(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path mkdirs(Path d) {
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path copyTree(Path from, Path to) {
        try {
            return CliFixtures.copyTree(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path d) {
        if (!Files.exists(d)) {
            return;
        }
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
