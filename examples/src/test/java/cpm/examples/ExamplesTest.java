package cpm.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cpm.dsl.Ablations;
import cpm.dsl.Presets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each example program runs end to end on a tiny budget and prints what its comment promises. */
class ExamplesTest {

    interface Main {
        void run(String[] args) throws Exception;
    }

    static String capture(Main main, String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        try {
            main.run(args);
        } finally {
            System.setOut(old);
        }
        old.printf("(ran in %.1f s)%n", (System.nanoTime() - t0) / 1e9);
        String s = bytes.toString(StandardCharsets.UTF_8);
        old.println(s);
        return s;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void quickStartTrainsEvaluatesAndPrintsPerClassScores() throws Exception {
        String out = capture(QuickStart::main, "2");
        assertTrue(out.contains("step 2  loss"), out);
        assertTrue(out.contains("test mIoU"), out);
        for (String c : Presets.get("tiny").classNames()) {
            assertTrue(out.contains(c), c + " in the per-class table\n" + out);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void customRecipeDiffersFromTinyWhereItSays() throws Exception {
        var diff = Presets.get("tiny").diff(CustomRecipe.recipe());
        assertTrue(diff.contains("classifier.components: 3 -> 5"), diff.toString());
        assertTrue(diff.contains("cpm.pcl: true -> false"), diff.toString());
        String out = capture(CustomRecipe::main, "2");
        assertTrue(out.contains("classifier.components: 3 -> 5"), out);
        assertTrue(out.contains("trained 2 steps"), out);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void samplePromptsPrintsAPosteriorForEveryClass() throws Exception {
        String out = capture(SamplePrompts::main, "2", "1");
        for (String c : Presets.get("tiny").classNames()) {
            if (!c.equals("background")) {
                assertTrue(out.contains(c), c + "\n" + out);
            }
        }
        assertTrue(out.contains("topProb"), out);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ablationTrainsEveryRowOfTable4() throws Exception {
        String out = capture(Ablation::main, "1");
        var rows = Ablations.table4(Presets.get("tiny"));
        assertEquals(6, rows.size());
        for (var r : rows) {
            assertTrue(out.contains("trained " + r.name() + " (1 steps)"), r.name() + "\n" + out);
        }
    }
}
