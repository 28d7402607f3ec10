package cpm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cpm.cli.Main;
import cpm.dsl.Presets;
import cpm.dsl.RecipeJson;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ablate --spark}, {@code eval --spark} and {@code sweep --spark} on a real standalone cluster (a master and two worker JVMs on
 * 127.0.0.1, one core each), started once for the class: each writes byte for byte what the local command writes,
 * also when a task fails and Spark retries it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkClusterTest {

    static final String MASTER = "local-cluster[2,1,1024]";

    @TempDir
    static Path tmp;
    static SparkCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        // the workers build executor command lines from SPARK_HOME (surefire sets it to target/spark-home): its
        // jars/ holds this class path's jars; the toolkit's classes come as the executors' extra class path
        Path jars = Path.of(System.getenv("SPARK_HOME"), "jars");
        Files.createDirectories(jars);
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName());
            if (entry.endsWith(".jar") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
        }
        long t0 = System.nanoTime();
        cluster = SparkCluster.open(MASTER, System.err); // the commands find it running and leave it so
        System.out.printf("%s started in %.1f s%n", MASTER, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void ablationOnTheClusterWritesTheLocalCsvEvenWhenATaskFailsOnce() throws IOException {
        Path recipe = writeRecipe();
        String[] args = {"ablate", recipe.toString(), "--table", "4", "--rows", "baseline,cpm", "--seeds", "2",
            "--no-progress"};
        long t0 = System.nanoTime();
        Result local = cpm(concat(args, "--out", tmp.resolve("local").toString()));
        assertEquals(0, local.code(), local.err());
        long t1 = System.nanoTime();
        System.setProperty(RunTask.FAIL_ONCE, "cpm-seed43");
        Result spark;
        try {
            spark = cpm(concat(args, "--out", tmp.resolve("spark").toString(), "--spark", MASTER));
        } finally {
            System.clearProperty(RunTask.FAIL_ONCE);
        }
        assertEquals(0, spark.code(), spark.err());
        assertTrue(spark.err().contains("cpm-seed43, attempt 1 on executor") && spark.err().contains(RunTask.FAIL_ONCE),
                "the first attempt failed and was retried:\n" + spark.err());
        System.out.printf("local ablation %.1f s, on the cluster %.1f s%n%s", (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9, spark.err()); // the driver's progress: which executor ran what
        assertEquals(local.out().replace(tmp.resolve("local").toString(), tmp.resolve("spark").toString()),
                spark.out(), "the same table printed");
        for (String file : List.of("ablation-table4.csv", "baseline-seed42/eval-test.csv",
                "baseline-seed43/eval-test-per-class.csv", "cpm-seed42/recipe.json", "cpm-seed43/eval-test.csv",
                "cpm-seed43/recipe.json")) {
            assertEquals(Files.readString(tmp.resolve("local").resolve(file)),
                    Files.readString(tmp.resolve("spark").resolve(file)), file);
        }
        assertEquals(files(tmp.resolve("local/cpm-seed43")), files(tmp.resolve("spark/cpm-seed43")),
                "the retried run's folder holds what the local one holds");
        assertTrue(Files.exists(tmp.resolve("spark/ablation-table4.png")), "the driver draws the bar chart");
        try (Stream<Path> s = Files.list(tmp.resolve("spark"))) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".attempt-")).toList();
            assertEquals(List.of(), left, "no attempt folder is left, the failed one's included");
        }
    }

    @Test
    @Order(2)
    void evaluationInPartsOnTheClusterWritesTheLocalScores() throws IOException {
        Path run = tmp.resolve("local/cpm-seed42");
        assertTrue(Files.isDirectory(run), "trained by the ablation test");
        // 7 items in batches of 2: 4 batches, 2 parts on the two executors, the last part ending mid-batch
        String[] args = {"eval", "--run", run.toString(), "--set", "eval.maxItems=7"};
        Result local = cpm(args);
        assertEquals(0, local.code(), local.err());
        assertTrue(local.out().contains("7 images"), local.out());
        List<String> files = List.of("eval-test.csv", "eval-test-per-class.csv");
        List<String> written = new ArrayList<>();
        for (String f : files) {
            written.add(Files.readString(run.resolve(f)));
            Files.delete(run.resolve(f));
        }
        Result spark = cpm(concat(args, "--spark", MASTER)); // writes the same files again
        assertEquals(0, spark.code(), spark.err());
        assertTrue(spark.err().contains("4 batches in 2 Spark tasks"), spark.err());
        assertEquals(local.out(), spark.out());
        for (int i = 0; i < files.size(); i++) {
            assertEquals(written.get(i), Files.readString(run.resolve(files.get(i))), files.get(i));
        }
    }

    @Test
    @Order(3)
    void sweepOnTheClusterWritesTheLocalTables() throws IOException {
        Path recipe = writeRecipe();
        String[] args = {"sweep", recipe.toString(), "--set", "classifier.components=1,3", "--no-progress"};
        Result local = cpm(concat(args, "--out", tmp.resolve("sweep-local").toString()));
        assertEquals(0, local.code(), local.err());
        Result spark = cpm(concat(args, "--out", tmp.resolve("sweep-spark").toString(), "--spark", MASTER));
        assertEquals(0, spark.code(), spark.err());
        assertEquals(local.out().replace("sweep-local", "sweep-spark"), spark.out(), "the same table printed");
        for (String file : List.of("sweep.csv", "sweep-summary.csv")) {
            assertEquals(Files.readString(tmp.resolve("sweep-local").resolve(file)).replace("sweep-local", "sweep-spark"),
                    Files.readString(tmp.resolve("sweep-spark").resolve(file)), file);
        }
        assertTrue(Files.exists(tmp.resolve("sweep-spark/sweep.png")), "the driver draws the chart");
    }

    @Test
    @Order(4)
    void anotherMasterWhileTheClusterRunsIsBadInputNamingBoth() {
        Result r = cpm("ablate", "tiny", "--table", "4", "--spark", "local[2]", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("cpm: --spark local[2]: found a Spark application on " + MASTER), r.err());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written");
    }

    /** tiny at 64 px, 2 steps of batch 2, one thread, 2 test clips. */
    private static Path writeRecipe() throws IOException {
        Map<String, Object> m = Map.of("optim.steps", 2, "optim.warmupSteps", 1, "optim.batchSize", 2,
                "image.size", 64, "data.trainItems", 8, "data.testItems", 2, "eval.maxItems", 2, "run.threads", 1,
                "run.logInterval", 1, "cpm.warmupSteps", 0);
        Path file = tmp.resolve("quick.json");
        Files.writeString(file, RecipeJson.toJson(Presets.get("tiny").with(m)));
        return file;
    }

    /** The files under {@code dir}, relative to it. */
    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

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
