package cpm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ./cpm sweep}'s grid is checked whole before the first training: a bad field or value anywhere in it (the
 * last value of the last list too) is exit 2 with train's own message for that {@code --set}, and nothing is
 * written; so are a field given twice, an empty list or value, a repeated value and a grid over --max-runs.
 * {@code --dry-run} lists the runs: their folder names are safe and unique whatever the values.
 */
class SweepGridCliTest {

    @TempDir
    Path tmp;

    @Test
    void aBadValueAnywhereIsTrainsMessageBeforeAnyTraining() throws IOException {
        Path out = tmp.resolve("out");
        // the bad value is the last of the last list: the last grid point
        CliFixtures.Result sweep = sweep("--set", "classifier.components=1,3", "--set", "cpm.acpWeight=1,30,-2",
                "--out", out.toString());
        CliFixtures.Result train = CliFixtures.cpm("train", "tiny", "--set", "cpm.acpWeight=-2", "--out",
                tmp.resolve("train").toString());
        assertEquals(2, train.code(), train.err());
        String trainLine = train.err().lines().findFirst().orElseThrow();
        assertEquals(trainLine, sweep.err().lines().findFirst().orElseThrow(), "train's message: " + sweep.err());
        assertTrue(trainLine.contains("cpm.acpWeight") && trainLine.contains("-2") && trainLine.contains("expected"),
                trainLine);
        assertTrue(sweep.err().contains("(at grid point 3 of 6: classifier.components=1 cpm.acpWeight=-2)"),
                "the first point holding it: " + sweep.err());
        assertFalse(Files.exists(out), "nothing written");

        CliFixtures.Result unknown = sweep("--set", "classifier.componets=1,2", "--out", out.toString());
        assertRefused(unknown, "--set classifier.componets: found an unknown field", "classifier.components");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badListsAreRefusedNamingTheField() {
        Path out = tmp.resolve("out");
        assertRefused(sweep("--set", "classifier.components=1,2", "--set", "classifier.components=3"),
                "--set classifier.components: found the field given twice, expected each field once");
        assertRefused(sweep("--set", "classifier.components="),
                "--set classifier.components: found no value, expected one or more values");
        assertRefused(sweep("--set", "classifier.components=1,,3"),
                "--set classifier.components: found an empty value in \"1,,3\"");
        assertRefused(sweep("--set", "cpm.acpWeight=1,0.001,1e-3"),
                "--set cpm.acpWeight: found the value 1e-3 twice (as 0.001 and 1e-3), expected each value once");
        assertRefused(sweep("--set", "optim.lr=1e-4,2e-4,3e-4,4e-4", "--set", "classifier.components=1,2,3",
                        "--seeds", "100", "--out", out.toString()),
                "found a grid of 1,200 runs (12 points x 100 seed(s)), expected at most 1,000 (--max-runs N");
        // a list field's values are split at semicolons, its items at commas
        assertRefused(sweep("--set", "data.classes=background,x;background,y"),
                "--set data.classes: found [background, x], expected");
        assertRefused(sweep("--set", "classifier.components=1,2", "--seeds", "0"), "--seeds: found 0");
        assertFalse(Files.exists(out), "nothing written");
        assertFalse(Files.exists(Path.of("runs", "sweep-tiny")), "nothing under runs/");
    }

    @Test
    void aFolderHoldingARunIsRefusedBeforeTheFirstTraining() throws IOException {
        Path out = tmp.resolve("out");
        Path taken = out.resolve("components-3-seed42");  // the last run of the grid
        Files.createDirectories(taken.resolve("checkpoints"));
        Files.writeString(taken.resolve("checkpoints/step-00000002.ckpt"), "a run was here");
        CliFixtures.Result r = sweep("--set", "classifier.components=1,3", "--out", out.toString());
        assertRefused(r, "--out " + taken + ": found a run with checkpoints, expected new folders for the sweep");
        try (var s = Files.list(out)) {
            assertEquals(List.of(taken), s.toList(), "no run started");
        }
    }

    @Test
    void dryRunListsSafeUniqueFoldersAndWritesNothing() {
        Path out = tmp.resolve("out");
        CliFixtures.Result r = sweep("--set", "optim.lr=1e-3,0.5,2E-4", "--set", "data.path=a/b,A/B,x y",
                "--set", "eval.maxItems=3", "--seeds", "2", "--seed", "5", "--out", out.toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(19, lines.size(), r.out());
        assertEquals("18 run(s): 9 point(s) x 2 seed(s); nothing trained (--dry-run)", lines.get(18));
        Set<String> names = new HashSet<>();
        for (String l : lines.subList(0, 18)) {
            Path dir = Path.of(l.substring(0, l.indexOf("  ")));
            assertEquals(out, dir.getParent(), l);
            String name = dir.getFileName().toString();
            assertTrue(name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"), "a safe name: " + name);
            assertTrue(names.add(name.toLowerCase(Locale.ROOT)), "unique, ignoring case: " + name);
        }
        // readable values stay as typed; data.path's clash only in case (a/b, A/B), so it numbers its values
        assertTrue(lines.get(0).startsWith(out.resolve("lr-1e-3_path-v1-seed5") + "  optim.lr=1e-3 data.path=a/b, "
                + "seed 5"), lines.get(0));
        assertTrue(r.out().contains(out.resolve("lr-0.5_path-v3-seed6") + "  optim.lr=0.5 data.path=x y, seed 6"),
                r.out());
        assertTrue(r.out().contains("lr-2E-4_path-v2-seed5"), r.out());
        assertFalse(Files.exists(out), "nothing written");
    }

    private static CliFixtures.Result sweep(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "sweep";
        all[1] = "tiny";
        System.arraycopy(args, 0, all, 2, args.length);
        return CliFixtures.cpm(all);
    }

    private static void assertRefused(CliFixtures.Result r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "names \"" + f + "\": " + r.err());
        }
    }
}
