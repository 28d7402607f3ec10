package cpm.cli;

import cpm.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ./cpm ablate --parallel 2} trains its runs side by side in one process and writes what the same command
 * writes one run after another: the same CSV to the byte, and in every run folder the same history.csv (but for
 * the wall-clock seconds), evaluation files and checkpoint tensors.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AblateParallelTest {

    @TempDir
    Path tmp;

    @Test
    void sideBySideWritesWhatOneAfterAnotherWrites() throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(4));
        String[] common = {"ablate", recipe.toString(), "--table", "4", "--rows", "baseline,cpm", "--seeds", "1",
                "--threads", "1"};
        CliFixtures.Result seq = CliFixtures.cpm(concat(common, "--out", tmp.resolve("seq").toString()));
        assertEquals(0, seq.code(), seq.err());
        CliFixtures.Result par = CliFixtures.cpm(concat(common, "--out", tmp.resolve("par").toString(),
                "--parallel", "2"));
        assertEquals(0, par.code(), par.err());

        assertTrue(par.err().contains("ablation table 4: 2 runs, 2 side by side"), par.err());
        assertTrue(par.err().contains("[cpm seed 42] train: step 4/4 (100%)"), "per-run progress lines: " + par.err());
        assertFalse(par.err().contains("\r"), "no progress bars");
        assertEquals(seq.out().replace(tmp.resolve("seq").toString(), tmp.resolve("par").toString()), par.out(),
                "the printed table");

        String csv = "ablation-table4.csv";
        assertArrayEquals(Files.readAllBytes(tmp.resolve("seq").resolve(csv)),
                Files.readAllBytes(tmp.resolve("par").resolve(csv)), csv);
        for (String run : List.of("baseline-seed42", "cpm-seed42")) {
            Path a = tmp.resolve("seq").resolve(run);
            Path b = tmp.resolve("par").resolve(run);
            List<String> ha = withoutSeconds(Files.readAllLines(a.resolve("history.csv")));
            assertEquals(3, ha.size(), run + ": a header and a row every 2 steps");
            assertEquals(ha, withoutSeconds(Files.readAllLines(b.resolve("history.csv"))), run + "/history.csv");
            for (String f : List.of("eval-test.csv", "eval-test-per-class.csv", "eval-test-silenced.csv",
                    "recipe.json")) {
                assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), run + "/" + f);
            }
            List<String> cks = checkpoints(a);
            assertEquals(cks, checkpoints(b), run + ": checkpoints");
            assertFalse(cks.isEmpty());
            for (String ck : cks) {
                Map<String, Checkpoint.Tensor> ta = Checkpoint.read(a.resolve("checkpoints").resolve(ck)).tensors();
                Map<String, Checkpoint.Tensor> tb = Checkpoint.read(b.resolve("checkpoints").resolve(ck)).tensors();
                assertEquals(ta.keySet(), tb.keySet(), run + "/" + ck);
                for (String name : ta.keySet()) {
                    assertArrayEquals(ta.get(name).data(), tb.get(name).data(), run + "/" + ck + ": " + name);
                }
            }
        }
    }

    @Test
    void badParallelOrRowIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path recipe = CliFixtures.writeRecipe(tmp.resolve("quick.json"), CliFixtures.quick(2));
        Path out = tmp.resolve("out");
        CliFixtures.Result zero = CliFixtures.cpm("ablate", recipe.toString(), "--table", "4", "--parallel", "0",
                "--out", out.toString());
        assertEquals(2, zero.code(), zero.err());
        assertTrue(zero.err().contains("--parallel: found 0, expected at least 1"), zero.err());
        CliFixtures.Result row = CliFixtures.cpm("ablate", recipe.toString(), "--table", "4", "--rows", "cpm,m3",
                "--out", out.toString());
        assertEquals(2, row.code(), row.err());
        assertTrue(row.err().contains("--rows: found m3, expected rows of table 4: baseline, ccdm, vcp, acp, vcp-acp, cpm"),
                row.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** The lines with the seconds column (wall-clock time, the one thing that may differ) emptied. */
    static List<String> withoutSeconds(List<String> lines) {
        int col = List.of(lines.get(0).split(",", -1)).indexOf("seconds");
        assertTrue(col >= 0, "history.csv has a seconds column");
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.split(",", -1);
            f[col] = "";
            out.add(String.join(",", f));
        }
        return out;
    }

    static List<String> checkpoints(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ckpt")).sorted().toList();
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
