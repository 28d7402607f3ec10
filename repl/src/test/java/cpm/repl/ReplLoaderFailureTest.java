package cpm.repl;

import cpm.data.SynthWriter;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code :step} on a data set with a broken file (a WAV header claiming 1 Hz, which used to exhaust the heap on the
 * data thread and hang {@code :step} for good) ends within seconds with the file's message; the REPL stays usable
 * and, once the file is repaired, {@code :step} trains on from the step reached.
 */
class ReplLoaderFailureTest {

    @Test
    void stepEndsWithTheFilesMessageAndTheReplTrainsOnOnceItIsRepaired(@TempDir Path tmp) throws Exception {
        Path data = SynthWriter.write(tmp.resolve("data"), "semantic", 3, 1, 5, 64, 5);
        Path wav = data.resolve("synth/train-semantic-000001/audio.wav");
        byte[] good = Files.readAllBytes(wav);
        byte[] bad = good.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(24, 1); // the fmt chunk's sample rate
        Files.write(wav, bad);
        Recipe r = Presets.get("tiny").with(Map.of("image.size", 64, "optim.batchSize", 2, "optim.warmupSteps", 1,
                "run.threads", 1, "run.logInterval", 1, "run.checkpointInterval", 0, "data.kind", "avss",
                "data.path", data.toString(), "optim.steps", 40));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (ScriptEngine engine = ScriptEngine.builder().out(out).build(); Workbench wb = new Workbench(engine, r)) {
            MetaCommands commands = MetaCommands.withDefaults();
            wb.install(commands);
            MetaContext ctx = MetaContext.of(engine, commands, out);
            assertTrue(commands.dispatch(":compile", ctx).ok());

            MetaResult failed = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> commands.dispatch(":step 30", ctx));
            assertFalse(failed.ok(), failed.text());
            assertTrue(failed.text().contains(":step failed") && failed.text().contains(wav + ": found sample rate 1 Hz"),
                    failed.text());
            long reached = wb.session().stepsDone();
            assertTrue(reached < 30, "stopped at the failure: " + reached);
            assertEquals(reached, wb.history().size(), "every finished step is in the history");

            assertEquals(7L, engine.capture("3 + 4L"), "snippets run");
            Files.write(wav, good);
            MetaResult more = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> commands.dispatch(":step 1", ctx));
            assertTrue(more.ok(), more.text());
            assertEquals(reached + 1, wb.session().stepsDone(), "trains on from the step reached");
        }
    }
}
