package cpm.cli;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import cpm.repl.MetaCommands;
import cpm.repl.MetaContext;
import cpm.repl.MetaResult;
import cpm.repl.ScriptEngine;
import cpm.repl.Workbench;
import cpm.train.History;
import cpm.train.loop.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three ways to train, {@code ./cpm train}, the REPL's {@code :compile} + {@code :step N} and
 * {@code ./cpm ablate}, run the one training loop: the same recipe, seed and steps give the same history rows,
 * matching stability (STS) windows included, to the last digit (only the timing column differs).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OneLoopTest {

    /**
     * A tiny-like recipe: 12 steps, a row every 2 steps; one epoch is 8 clips x 5 frames / batch 4 = 10 steps, so
     * the STS window closes at step 10 and at the last step, 12.
     */
    static Recipe recipe() {
        return Presets.get("tiny").with(Map.of("optim.steps", 12, "optim.warmupSteps", 2, "data.trainItems", 8,
                "data.testItems", 1, "eval.maxItems", 1, "run.threads", 1, "optim.batchSize", 4,
                "run.checkpointInterval", 0, "run.logInterval", 2, "run.pictures", 1));
    }

    @TempDir
    Path tmp;

    @Test
    void trainReplAndAblateLogTheSameHistory() throws Exception {
        Recipe r = recipe();

        Path json = tmp.resolve("recipe.json");
        Files.writeString(json, RecipeJson.toJson(r));
        Path cliRun = tmp.resolve("cli");
        ByteArrayOutputStream cliOut = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(cliOut, true, StandardCharsets.UTF_8);
        int code = Main.run(new String[] {"train", json.toString(), "--out", cliRun.toString(), "--no-progress",
            "--no-silenced"}, p, p);
        assertEquals(0, code, cliOut.toString(StandardCharsets.UTF_8));
        History cli = History.parse(Files.readString(new RunFolder(cliRun).historyFile()));

        History repl;
        ByteArrayOutputStream replOut = new ByteArrayOutputStream();
        PrintStream q = new PrintStream(replOut, true, StandardCharsets.UTF_8);
        try (ScriptEngine engine = ScriptEngine.builder().out(q).build();
             Workbench wb = new Workbench(engine, r)) {
            MetaCommands commands = MetaCommands.withDefaults();
            wb.install(commands);
            MetaContext ctx = MetaContext.of(engine, commands, q);
            for (String line : List.of(":compile", ":step 5", ":step 7")) { // call boundaries do not matter
                MetaResult res = commands.dispatch(line, ctx);
                assertTrue(res.ok(), line + ": " + res.text() + "\n" + replOut.toString(StandardCharsets.UTF_8));
            }
            repl = wb.history();
        }

        History ablate = AblateCommand.runOne(r, tmp.resolve("ablate"), false).history();

        List<String> expected = withoutTime(cli);
        assertEquals(List.of(2L, 4L, 6L, 8L, 10L, 12L), cli.rows().stream().map(History.Row::step).toList());
        assertTrue(Double.isFinite(cli.rows().get(4).sts()) && Double.isFinite(cli.rows().get(5).sts()),
                "STS measured where its window closes: " + expected);
        assertTrue(Double.isNaN(cli.rows().get(3).sts()), "no STS inside a window: " + expected);
        assertEquals(expected, withoutTime(repl), "REPL :step");
        assertEquals(expected, withoutTime(ablate), "ablate");
    }

    /** Each row as text, every column but the timing one, values to the last digit. */
    static List<String> withoutTime(History h) {
        List<String> out = new ArrayList<>();
        for (History.Row row : h.rows()) {
            StringBuilder sb = new StringBuilder();
            double[] v = row.values();
            for (int c = 0; c < History.COLUMNS.length; c++) {
                if (!History.COLUMNS[c].equals(History.SECONDS)) {
                    sb.append(History.COLUMNS[c]).append('=').append(v[c]).append(' ');
                }
            }
            out.add(sb.toString().strip());
        }
        return out;
    }
}
