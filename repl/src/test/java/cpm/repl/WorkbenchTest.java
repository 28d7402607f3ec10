package cpm.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cpm.data.Datasets;
import cpm.data.Sample;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.prompting.GaussianMixture;
import cpm.train.TrainingSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tech.tablesaw.api.Table;

/**
 * Every training command of the REPL on a tiny recipe, driven through the registry on plain streams; one session
 * is compiled once and the tests run in order (compile, step, eval, queries, save/load, softmax). Each answer is
 * checked against a value computed another way (brute-force GMM posterior, label counts of the item, the recipe's
 * own fields, the checkpoint's weights).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkbenchTest {

    /** A recipe small enough for tests: a few items, the GMM refitted every step, a history row every step. */
    static Recipe tiny() {
        return Presets.get("tiny").with(Map.of("optim.steps", 20, "optim.warmupSteps", 2, "data.trainItems", 8,
                "data.testItems", 4, "eval.maxItems", 4, "run.threads", 1, "classifier.updateInterval", 1,
                "optim.batchSize", 4, "run.checkpointInterval", 0, "run.logInterval", 1));
    }

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ScriptEngine engine;
    Workbench wb;
    MetaCommands commands;
    MetaContext ctx;
    Path runDir;

    @BeforeAll
    void start() throws Exception {
        runDir = Files.createTempDirectory("cpm-workbench");
        engine = ScriptEngine.builder().out(out).build();
        wb = new Workbench(engine, tiny());
        wb.setRunDir(runDir);
        commands = MetaCommands.withDefaults();
        wb.install(commands);
        ctx = MetaContext.of(engine, commands, out);
    }

    @AfterAll
    void stop() {
        wb.close();
        engine.close();
    }

    MetaResult ok(String line) {
        MetaResult r = commands.dispatch(line, ctx);
        assertTrue(r.ok(), line + " failed: " + r.text() + "\n" + bytes.toString(StandardCharsets.UTF_8));
        return r;
    }

    Table table(String line) {
        MetaResult r = ok(line);
        assertTrue(r.value() instanceof Table, line + " answers with a table: " + r.text());
        assertSame(r.value(), engine.capture("last"), line + ": the table is bound as `last`");
        return (Table) r.value();
    }

    @Test
    @Order(1)
    void helpListsEveryTrainingCommandWithItsText() {
        String help = ok(":help").text();
        for (String c : List.of("recipe", "set", "compile", "step", "eval", "history", "classes", "gmm", "prompts",
                "probe", "match", "sts", "coverage", "show", "save", "load", "export")) {
            assertTrue(help.contains(":" + c), c + " in :help\n" + help);
            MetaCommand mc = commands.resolve(c);
            assertFalse(mc.help().isBlank(), c);
            assertTrue(ok(":help " + c).text().contains(mc.help()));
        }
    }

    @Test
    @Order(2)
    void recipeShowsTheFieldsOfASection() {
        Table t = table(":recipe optim");
        long expected = tiny().values().keySet().stream().filter(k -> k.startsWith("optim")).count();
        assertEquals(expected, t.rowCount());
        int row = t.stringColumn("field").indexOf("optim.batchSize");
        assertEquals("4", t.stringColumn("value").get(row));
        assertEquals(tiny().values().size(), table(":recipe").rowCount());
        assertTrue(commands.dispatch(":recipe nosection", ctx).text().contains("nosection"));
    }

    @Test
    @Order(3)
    void setValidatesAndRebindsTheRecipe() {
        ok(":set optim.lr 0.002");
        assertEquals(0.002, wb.recipe().optim().lr(), 1e-12);
        assertEquals(0.002, (Double) engine.capture("recipe.getDouble(\"optim.lr\")"), 1e-12);
        MetaResult bad = commands.dispatch(":set optim.lr -1", ctx);
        assertFalse(bad.ok());
        assertTrue(bad.text().contains("optim.lr"), bad.text());
        MetaResult unknown = commands.dispatch(":set optim.nosuch 3", ctx);
        assertFalse(unknown.ok());
        assertTrue(unknown.text().contains("optim.nosuch"), unknown.text());
        assertEquals(0.002, wb.recipe().optim().lr(), 1e-12, "a failed :set leaves the recipe as it was");
        assertFalse(commands.dispatch(":step", ctx).text().contains("Exception"), "no session yet: a plain message");
        assertTrue(commands.dispatch(":step", ctx).text().contains(":compile"));
    }

    @Test
    @Order(4)
    void compileUsesTheRecipeVariableAndBindsTheSession() {
        assertTrue(engine.eval("recipe = recipe.with(\"run.seed\", 5)").ok());
        ok(":compile");
        TrainingSession s = wb.session();
        assertNotNull(s);
        assertEquals(5, s.recipe().run().seed(), "a snippet's change of `recipe` is compiled");
        assertSame(s, engine.capture("session"));
        assertSame(s.model(), engine.capture("model"));
        assertEquals(Datasets.open(s.recipe(), "train").size(), engine.capture("data.size()"));
        assertEquals(0L, engine.capture("session.stepsDone()"));
    }

    @Test
    @Order(5)
    void stepTrainsAndHistoryIsATableToQuery() {
        Table t = table(":step 2");
        assertEquals(2, wb.session().stepsDone());
        assertEquals(2, t.rowCount());
        for (int i = 0; i < 2; i++) {
            double loss = t.doubleColumn("loss").get(i);
            assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
            assertEquals(i + 1, t.intColumn("step").get(i));
        }
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("step 2 (2/2)"), "progress line");
        Object n = engine.capture("history.where(history.doubleColumn(\"loss\").isLessThan(1e9)).rowCount()");
        assertEquals(2, n);
        Table h = table(":history");
        assertEquals(2, h.rowCount());
        assertEquals(t.doubleColumn("loss").get(1), h.doubleColumn("loss").get(1));
    }

    @Test
    @Order(6)
    void ctrlCDuringStepStopsAtAStepBoundary() throws Exception {
        long before = wb.session().stepsDone();
        CompletableFuture<MetaResult> run = CompletableFuture.supplyAsync(() -> commands.dispatch(":step 40", ctx));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (wb.session().stepsDone() < before + 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(engine.interrupt(), "the first Ctrl-C is a soft stop taken by the training loop");
        MetaResult r = run.get(60, TimeUnit.SECONDS);
        assertTrue(r.ok(), r.text());
        long done = wb.session().stepsDone() - before;
        assertTrue(done >= 1 && done < 40, "stopped early at a boundary, after " + done + " steps");
        assertEquals(wb.session().stepsDone(), wb.history().size(), "every finished step is in the history");
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("stopped after step " + wb.session().stepsDone()));
        assertEquals(7L, engine.capture("3 + 4L"), "the snippet thread is alive after the stop");
    }

    @Test
    @Order(7)
    void evalClassesAndCoverage() {
        Table e = table(":eval");
        double miou = e.doubleColumn("miou").get(0);
        assertTrue(miou >= 0 && miou <= 1, "mIoU " + miou);
        assertEquals(4, e.intColumn("images").get(0), "eval.maxItems frames");
        assertEquals(miou, (Double) engine.capture("evaluation.miou()"), 0);
        Table c = table(":classes");
        assertEquals(wb.session().classes(), c.stringColumn("name").asList());
        long pixels = 0;
        for (long p : c.longColumn("pixels").asLongArray()) {
            pixels += p;
        }
        int size = wb.recipe().image().size();
        assertEquals(4L * size * size, pixels, "every labelled pixel of the 4 frames belongs to one class");
        Table cov = table(":coverage");
        assertEquals(wb.lastEval().coverage(), cov.doubleColumn("coverage").get(0), 0);
        assertFalse(commands.dispatch(":eval nosplit", ctx).ok());
    }

    @Test
    @Order(8)
    void gmmComponentsHaveWeightsSummingToOne() {
        GaussianMixture g = wb.session().ccdm().mixture();
        Table t = table(":gmm bell");
        assertEquals(g.components(), t.rowCount());
        double sum = 0;
        for (int m = 0; m < t.rowCount(); m++) {
            sum += t.doubleColumn("weight").get(m);
            double[] mu = g.means(1)[m];
            double n2 = 0;
            for (double v : mu) {
                n2 += v * v;
            }
            assertEquals(Math.sqrt(n2), t.doubleColumn("meanNorm").get(m), 1e-9);
            assertTrue(t.doubleColumn("spread").get(m) > 0);
        }
        assertEquals(1.0, sum, 1e-6);
        assertEquals("bell", t.stringColumn("name").get(0));
        assertEquals(g.classes() * g.components(), table(":gmm").rowCount());
        MetaResult bad = commands.dispatch(":gmm trumpet", ctx);
        assertTrue(bad.text().contains("trumpet") && bad.text().contains("bell"), bad.text());
    }

    @Test
    @Order(9)
    void promptsPosteriorMatchesABruteForceFloat64Posterior() {
        GaussianMixture g = wb.session().ccdm().mixture();
        long draw = 0; // the first :prompts of this workbench
        Table t = table(":prompts bell 3");
        assertEquals(3, t.rowCount());
        float[][] z = g.sampleOnSphere(1, 3, new SplittableRandom(Probes.promptSeed(5, draw)));
        List<String> names = wb.session().classes();
        var w = wb.session().weights().entries();
        float[] gamma = w.get("gmm.logitNorm.gamma").array().toFloatArray();
        float[] beta = w.get("gmm.logitNorm.beta").array().toFloatArray();
        for (int i = 0; i < 3; i++) {
            double[] post = bruteForceHeadPosterior(g, z[i], gamma, beta);
            int best = 0;
            for (int c = 1; c < post.length; c++) {
                if (post[c] > post[best]) {
                    best = c;
                }
            }
            assertEquals(best < names.size() ? names.get(best) : "no-object", t.stringColumn("topClass").get(i));
            assertEquals(post[best], t.doubleColumn("topProb").get(i), 2e-3);
            assertEquals(post[1], t.doubleColumn("p(bell)").get(i), 2e-3);
            double own = Double.POSITIVE_INFINITY;
            for (double[] mu : g.means(1)) {
                double s = 0;
                for (int d = 0; d < mu.length; d++) {
                    s += (z[i][d] - mu[d]) * (z[i][d] - mu[d]);
                }
                own = Math.min(own, Math.sqrt(s));
            }
            assertEquals(own, t.doubleColumn("distOwnMean").get(i), 1e-6);
        }
    }

    /**
     * The layernorm head's posterior in float64 at a point z on the sphere: per class the max over components of
     * log N(z; mu, var + eps), z-scored over the classes, times gamma plus beta, softmax.
     */
    static double[] bruteForceHeadPosterior(GaussianMixture g, float[] z, float[] gamma, float[] beta) {
        int k = g.classes();
        double[] s = new double[k];
        for (int c = 0; c < k; c++) {
            double[][] mu = g.means(c);
            double[][] var = g.variances(c);
            s[c] = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < g.components(); m++) {
                double l = 0;
                for (int d = 0; d < z.length; d++) {
                    double v = var[m][d] + g.floor();
                    double diff = z[d] - mu[m][d];
                    l += -0.5 * (Math.log(2 * Math.PI * v) + diff * diff / v);
                }
                s[c] = Math.max(s[c], l);
            }
        }
        double mean = 0;
        for (double v : s) {
            mean += v / k;
        }
        double var = 0;
        for (double v : s) {
            var += (v - mean) * (v - mean) / k;
        }
        double[] logit = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            logit[c] = gamma[c] * (s[c] - mean) / Math.sqrt(var + 1e-5) + beta[c];
            max = Math.max(max, logit[c]);
        }
        double sum = 0;
        double[] p = new double[k];
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(logit[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return p;
    }

    @Test
    @Order(10)
    void probeDrawsTheMasksOfSampledPrompts() throws Exception {
        var test = Datasets.open(wb.session().recipe(), "test");
        int first = -1;
        for (int i = 0; i < test.size() && first < 0; i++) {
            for (int v : test.get(i).label()) {
                first = v == 1 && first < 0 ? i : first;
            }
        }
        Table t = table(":probe bell");
        assertTrue(t.name().contains("test item " + Math.max(0, first)), "the first item with a bell: " + t.name());
        assertEquals(3, t.rowCount());
        Sample item = test.get(Math.max(0, first));
        long bell = 0;
        for (int v : item.label()) {
            bell += v == 1 ? 1 : 0;
        }
        double fraction = bell / (double) item.label().length;
        for (int i = 0; i < 3; i++) {
            assertEquals(fraction, t.doubleColumn("classArea").get(i), 0.02, "bell's share of test item 0");
            double a = t.doubleColumn("maskArea").get(i);
            assertTrue(a >= 0 && a <= 1);
            double p = t.doubleColumn("p(bell)").get(i);
            assertTrue(p >= 0 && p <= 1);
        }
        String name = t.name();
        Path png = Path.of(name.substring(name.indexOf("masks ") + 6, name.indexOf(", audio ")));
        Path audio = Path.of(name.substring(name.indexOf(", audio ") + 8));
        var img = ImageIO.read(png.toFile());
        assertNotNull(img, png.toString());
        assertTrue(img.getHeight() >= 3 * 100, "one row per prompt: " + img.getHeight());
        assertNotNull(ImageIO.read(audio.toFile()), audio.toString());
    }

    @Test
    @Order(11)
    void matchAssignsOneQueryPerSegmentOfTheItem() {
        Table t = table(":match 0");
        Sample item = Datasets.open(wb.session().recipe(), "train").get(0);
        TreeSet<Integer> present = new TreeSet<>();
        for (int v : item.label()) {
            present.add(v);
        }
        assertEquals(present.size(), t.rowCount(), "one matched query per class present in the item");
        assertEquals(present, new TreeSet<>(t.intColumn("class").asList()));
        assertEquals(t.rowCount(), new TreeSet<>(t.intColumn("query").asList()).size(), "queries are distinct");
        for (int i = 0; i < t.rowCount(); i++) {
            double sum = t.doubleColumn("classCost").get(i) + t.doubleColumn("maskCost").get(i)
                    + t.doubleColumn("diceCost").get(i);
            assertEquals(sum, t.doubleColumn("total").get(i), 1e-4);
            assertEquals(wb.session().classes().get(t.intColumn("class").get(i)), t.stringColumn("name").get(i));
        }
    }

    @Test
    @Order(12)
    void stsIsBelowTheUniformEntropy() {
        Table t = table(":sts");
        assertTrue(t.rowCount() > 0);
        double lnN = Math.log(wb.recipe().queries().count());
        for (double h : t.doubleColumn("entropy").asDoubleArray()) {
            assertTrue(h >= 0 && h <= lnN + 1e-9, "entropy " + h);
        }
        assertTrue(t.name().startsWith(String.format(java.util.Locale.ROOT, "STS = %.4f",
                wb.session().stability().score())), t.name());
    }

    @Test
    @Order(13)
    void showWritesAPng() throws Exception {
        String text = ok(":show 1").text();
        Path png = Path.of(text.substring(text.indexOf("wrote ") + 6).strip());
        assertTrue(Files.isRegularFile(png), text);
        assertNotNull(ImageIO.read(png.toFile()));
        assertFalse(commands.dispatch(":show 99", ctx).ok(), "an item past the end is an error");
    }

    @Test
    @Order(14)
    void saveThenLoadRestoresTheSessionAndExportWritesCsv() throws Exception {
        long steps = wb.session().stepsDone();
        double sum = paramSum(wb.session());
        ok(":save");
        Path ck = runDir.resolve("checkpoints").resolve(String.format("step-%08d.ckpt", steps));
        assertTrue(Files.isRegularFile(ck));
        assertTrue(Files.isRegularFile(runDir.resolve("recipe.json")));
        ok(":step 1");
        TrainingSession old = wb.session();
        ok(":load " + runDir);
        assertTrue(old != wb.session());
        assertEquals(steps, wb.session().stepsDone());
        assertEquals(sum, paramSum(wb.session()), 1e-6 * Math.abs(sum));
        assertSame(wb.session(), engine.capture("session"));
        assertEquals((int) steps, ((Table) engine.capture("history")).rowCount());
        Path csv = runDir.resolve("history.csv");
        ok(":export history " + csv);
        assertEquals(steps + 1, Files.readAllLines(csv).size());
        Path jsh = runDir.resolve("s.jsh");
        Files.writeString(jsh, "int fromScript = 41 + 1;\n");
        ok(":load " + jsh);
        assertEquals(42, engine.capture("fromScript"));
        assertFalse(commands.dispatch(":load " + runDir.resolve("nothing.ckpt"), ctx).ok());
    }

    static double paramSum(TrainingSession s) {
        double sum = 0;
        for (var e : s.weights().entries().values()) {
            for (float v : e.array().toFloatArray()) {
                sum += v;
            }
        }
        return sum;
    }

    @Test
    @Order(15)
    void softmaxSessionHasNoGmmButPointPrompts() {
        ok(":set classifier.kind softmax");
        ok(":set cpm.pcl false");
        ok(":set cpm.acp false");
        ok(":compile");
        MetaResult g = commands.dispatch(":gmm", ctx);
        assertFalse(g.ok());
        assertTrue(g.text().contains("softmax"), g.text());
        Table t = table(":prompts bell 2");
        assertEquals(2, t.rowCount());
        assertEquals(t.doubleColumn("norm").get(0), t.doubleColumn("norm").get(1), 0, "one fixed point prompt");
        Table p = table(":probe drum 1");
        assertEquals(1, p.rowCount());
    }
}
