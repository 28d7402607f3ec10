package cpm.cli;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small recipes and an in-process {@code ./cpm} for the CLI reliability tests. */
final class CliFixtures {

    private CliFixtures() {
    }

    /** The tiny preset at 64 px, batch 2, every CPM loss on from step 0, GMM refitted every 2 steps. */
    static Recipe quick(int steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optim.steps", steps);
        m.put("optim.warmupSteps", 1);
        m.put("optim.batchSize", 2);
        m.put("image.size", 64);
        m.put("data.trainItems", 8);
        m.put("data.testItems", 2);
        m.put("eval.maxItems", 2);
        m.put("run.checkpointInterval", 4);
        m.put("run.logInterval", 2);
        m.put("run.threads", 1);
        m.put("run.pictures", 1);
        m.put("classifier.updateInterval", 2);
        m.put("cpm.warmupSteps", 0);
        m.put("decoder.dropout", 0.1);
        m.put("classifier.bankSize", 8); // the FIFO wraps within a few steps: resume must keep its order
        return Presets.get("tiny").with(m);
    }

    /**
     * Data check and training refuse a data set alike: both exit 2, training's first {@code cpm: FILE: found ...}
     * line is one of check's lines word for word, it names every fragment and what was expected, and no stack
     * trace is printed; returns that line.
     */
    static String assertRefusedAlike(Result check, Result train, String... fragments) {
        org.junit.jupiter.api.Assertions.assertEquals(2, check.code(), check.out() + check.err());
        org.junit.jupiter.api.Assertions.assertEquals(2, train.code(), train.err());
        org.junit.jupiter.api.Assertions.assertFalse(train.err().contains("\tat "), train.err());
        String line = train.err().lines().filter(l -> l.startsWith("cpm: ") && l.contains(": found ")).findFirst()
                .orElse("(none)").substring("cpm: ".length());
        org.junit.jupiter.api.Assertions.assertTrue(check.out().lines().anyMatch(line::equals),
                "check lists what train says:\n" + line + "\n" + check.out());
        for (String f : fragments) {
            org.junit.jupiter.api.Assertions.assertTrue(line.contains(f), "names \"" + f + "\": " + line);
        }
        org.junit.jupiter.api.Assertions.assertTrue(line.contains("expected"), line);
        return line;
    }

    /** A copy of the folder tree {@code from} at {@code to} (links copied as the files they name). */
    static Path copyTree(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return to;
    }

    static Path writeRecipe(Path file, Recipe r) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, RecipeJson.toJson(r));
        return file;
    }

    /** The result of one in-process command line. */
    record Result(int code, String out, String err) {
    }

    static Result cpm(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
