package cpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cpm.dsl.Presets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./cpm run} in-process (Main.run), and every recipe script of recipes/ against its preset. */
class RunCommandTest {

    @TempDir
    Path tmp;

    record Ran(int rc, String out, String err) {
    }

    static Ran cpm(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Ran(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Path recipes() {
        Path here = Path.of("recipes");
        return Files.isDirectory(here) ? here : Path.of("..", "recipes");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void scriptSeesArgsAndTheReplBindingsAndFailuresGiveStatusOne() throws IOException {
        Path ok = tmp.resolve("ok.jsh");
        Files.writeString(ok, String.join("\n",
                "// prints its arguments and the bound recipe",
                "System.out.println(\"args=\" + String.join(\",\", args));",
                "int sum(int a, int b) {",
                "    return a + b;",
                "}",
                "System.out.println(\"sum=\" + sum(args.length, 40));",
                "System.out.println(\"recipe=\" + recipe.name() + \" session=\" + session + \" rows=\" + history.rowCount());",
                ""));
        Ran r = cpm("run", ok.toString(), "a", "b");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("args=a,b"), r.out());
        assertTrue(r.out().contains("sum=42"), r.out());
        assertTrue(r.out().contains("recipe=tiny session=null rows=0"), r.out());

        Path bad = tmp.resolve("bad.jsh");
        Files.writeString(bad, "int x = nosuch + 1;\nSystem.out.println(\"after\");\n");
        Ran b = cpm("run", bad.toString());
        assertEquals(1, b.rc(), "a failed snippet makes the status 1");
        assertTrue(b.err().contains("bad.jsh:1") && b.err().contains("cannot find symbol"), b.err());
        assertTrue(b.out().contains("after"), "the script goes on after a failure: " + b.out());

        Path exit = tmp.resolve("exit.jsh");
        Files.writeString(exit, "System.out.println(\"bye\");\nSystem.exit(3);\nSystem.out.println(\"not reached\");\n");
        Ran x = cpm("run", exit.toString());
        assertEquals(1, x.rc());
        assertTrue(x.out().contains("bye") && !x.out().contains("not reached"), x.out());

        Ran missing = cpm("run", tmp.resolve("nothing.jsh").toString());
        assertEquals(2, missing.rc());
        assertTrue(missing.err().contains("nothing.jsh"), missing.err());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyRecipeScriptEqualsItsPreset() throws IOException {
        List<Path> scripts = new ArrayList<>();
        try (Stream<Path> s = Files.list(recipes())) {
            s.filter(p -> p.toString().endsWith(".jsh")).sorted().forEach(scripts::add);
        }
        assertTrue(scripts.size() >= 10, "recipes/ holds the recipe scripts: " + scripts);
        for (Path p : scripts) {
            String name = p.getFileName().toString().replace(".jsh", "");
            if (Presets.exists(name)) {
                Ran d = cpm("diff", p.toString(), name);
                assertEquals(0, d.rc(), p + ": " + d.err());
                assertEquals("(no differences)", d.out().strip(), p + " differs from the preset " + name);
            } else {
                Ran d = cpm("describe", p.toString());
                assertEquals(0, d.rc(), p + ": " + d.err());
                assertTrue(d.out().contains("optim.steps") || d.out().contains("steps"), d.out());
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void smallRecipeScriptsTrainAFewStepsThroughRun() throws IOException {
        Path steps = tmp.resolve("steps.jsh");
        Files.writeString(steps, String.join("\n",
                "var small = recipe.with(Map.of(\"data.trainItems\", 4, \"data.testItems\", 2, \"optim.batchSize\", 2,",
                "        \"optim.warmupSteps\", 1, \"run.threads\", 1, \"eval.maxItems\", 2));",
                "try (var s = new TrainingSession(small)) {",
                "    for (int i = 0; i < 2; i++) {",
                "        var st = s.step();",
                "        if (!Double.isFinite(st.loss()) || st.loss() <= 0) throw new IllegalStateException(\"loss \" + st.loss());",
                "        System.out.println(small.name() + \" step \" + s.stepsDone() + \" loss \" + st.loss());",
                "    }",
                "    var e = s.evaluate(\"test\", 2, false);",
                "    System.out.println(small.name() + \" miou \" + e.miou() + \" images \" + e.images());",
                "}",
                ""));
        for (String name : List.of("tiny", "tiny-baseline")) {
            Ran r = cpm("run", "--recipe", recipes().resolve(name + ".jsh").toString(), steps.toString());
            assertEquals(0, r.rc(), r.err() + r.out());
            assertTrue(r.out().contains(name + " step 2 loss"), r.out());
            assertTrue(r.out().contains(name + " miou") && r.out().contains("images 2"), r.out());
        }
    }
}
