package cpm.cli;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19, class 3: writing a file keeps what the target is. A symbolic link stays a link and the file it points
 * to is written; a FIFO or a device is written through; new files get the mode of a plain create under the umask,
 * and a replaced file keeps its permissions. One training (into a folder whose history.csv and recipe.json are
 * links) serves every test.
 */
class OutputTargetsTest {

    @TempDir
    static Path tmp;
    static Path run;
    static Path shared;
    static Recipe recipe;
    static CliFixtures.Result trained;

    @BeforeAll
    static void trainIntoAFolderOfLinks() throws IOException {
        run = Files.createDirectories(tmp.resolve("run"));
        shared = Files.createDirectories(tmp.resolve("shared"));
        // a relative link that dangles (its file does not exist yet), and an absolute one to an existing file
        Files.createSymbolicLink(run.resolve("history.csv"), Path.of("..", "shared", "history.csv"));
        Files.writeString(shared.resolve("recipe.json"), "old\n");
        Files.createSymbolicLink(run.resolve("recipe.json"), shared.resolve("recipe.json"));
        recipe = CliFixtures.quick(4);
        Path file = CliFixtures.writeRecipe(tmp.resolve("quick.json"), recipe);
        trained = CliFixtures.cpm("train", file.toString(), "--out", run.toString(), "--no-progress", "--no-silenced");
    }

    @Test
    void linksInTheRunFolderStayLinksAndTheFilesTheyNameAreWritten() throws IOException {
        assertEquals(0, trained.code(), trained.err());
        assertTrue(Files.isSymbolicLink(run.resolve("history.csv")), "history.csv is still a link");
        assertEquals(Path.of("..", "shared", "history.csv"), Files.readSymbolicLink(run.resolve("history.csv")));
        assertTrue(Files.isSymbolicLink(run.resolve("recipe.json")), "recipe.json is still a link");
        String history = Files.readString(shared.resolve("history.csv"));
        assertTrue(history.startsWith("step,") && history.lines().count() >= 3, history);
        Recipe written = RecipeJson.fromJson(Files.readString(shared.resolve("recipe.json")), "recipe.json");
        assertEquals(List.of(), recipe.diff(written), "the link's file holds the run's recipe");
        assertEquals(List.of("history.csv", "recipe.json"), names(shared), "no temporary file left beside them");
    }

    @Test
    void writtenFilesHaveTheModeOfAPlainCreateAndAReplacedFileKeepsItsOwn() throws IOException {
        assertEquals(0, trained.code(), trained.err());
        Path plain = Files.createFile(tmp.resolve("plain"));
        Set<PosixFilePermission> umask = Files.getPosixFilePermissions(plain);
        List<Path> written = new ArrayList<>(List.of(shared.resolve("history.csv"), shared.resolve("recipe.json"),
                run.resolve("eval-test.csv"), run.resolve("eval-test-per-class.csv"),
                run.resolve("checkpoints/step-00000004.ckpt")));
        written.addAll(list(run.resolve("pictures")));
        assertTrue(written.size() > 6, "pictures were drawn: " + written);
        for (Path f : written) {
            assertEquals(PosixFilePermissions.toString(umask), PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f)), f + " has the mode a plain create gives");
        }

        Path copy = copyRun(tmp.resolve("chmod"));
        Path evalCsv = copy.resolve("eval-test.csv");
        Set<PosixFilePermission> chosen = PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(evalCsv, chosen);
        Files.writeString(evalCsv, "stale\n");
        CliFixtures.Result e = CliFixtures.cpm("eval", "--run", copy.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(Files.readString(evalCsv).startsWith("split,protocol,miou"), "rewritten");
        assertEquals(chosen, Files.getPosixFilePermissions(evalCsv), "the replaced file's permissions are kept");
    }

    @Test
    void aFifoIsWrittenThroughAndALinkToDevNullStaysOne() throws Exception {
        assertEquals(0, trained.code(), trained.err());
        Path copy = copyRun(tmp.resolve("fifo"));
        Path fifo = copy.resolve("eval-test.csv");
        Files.delete(fifo);
        assumeTrue(mkfifo(fifo), "mkfifo is available");
        Path perClass = copy.resolve("eval-test-per-class.csv");
        Files.delete(perClass);
        Files.createSymbolicLink(perClass, Path.of("/dev/null"));
        AtomicReference<byte[]> got = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                got.set(Files.readAllBytes(fifo)); // blocks until eval opens the FIFO and closes it
            } catch (IOException ex) {
                got.set(("read failed: " + ex).getBytes());
            }
        });
        reader.setDaemon(true);
        reader.start();
        CliFixtures.Result e = CliFixtures.cpm("eval", "--run", copy.toString());
        if (reader.isAlive()) { // eval never opened the FIFO: open it ourselves so the reader ends
            try (FileOutputStream unblock = new FileOutputStream(fifo.toFile())) {
                unblock.flush();
            }
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(0, e.code(), e.err());
        String text = new String(got.get());
        assertTrue(text.startsWith("split,protocol,miou") && text.contains("\ntest,"), "read from the FIFO: " + text);
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo) && !Files.isSymbolicLink(fifo),
                "eval-test.csv is still a FIFO");
        assertTrue(Files.isSymbolicLink(perClass), "the per-class file is still a link");
        assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(perClass));
        assertTrue(e.out().contains("wrote " + fifo), e.out());
    }

    @Test
    void synthThroughADanglingLinkMakesTheFolderWhereItPointsUnderTheUmask() throws IOException {
        Path target = tmp.resolve("elsewhere").resolve("synth-data");
        Path link = Files.createSymbolicLink(tmp.resolve("synth-link"), target);
        CliFixtures.Result s = CliFixtures.cpm("synth", "--out", link.toString(), "--train", "1", "--test", "1",
                "--size", "64");
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.isSymbolicLink(link) && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS),
                "the link stays and the folder is made where it points");
        Set<PosixFilePermission> umask = Files.getPosixFilePermissions(Files.createFile(tmp.resolve("plain-synth")));
        List<Path> pngs;
        try (Stream<Path> files = Files.walk(target)) {
            pngs = files.filter(f -> f.toString().endsWith(".png") || f.toString().endsWith(".wav")).toList();
        }
        assertTrue(pngs.size() > 4, "frames, labels and audio: " + pngs);
        for (Path f : pngs) {
            assertEquals(PosixFilePermissions.toString(umask),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }
    }

    static boolean mkfifo(Path path) {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A copy of the trained run's regular files (links copied as the files they name). */
    static Path copyRun(Path to) throws IOException {
        return CliFixtures.copyTree(run, to);
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static List<String> names(Path dir) throws IOException {
        return list(dir).stream().map(p -> p.getFileName().toString()).toList();
    }
}
