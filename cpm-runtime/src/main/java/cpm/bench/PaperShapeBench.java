package cpm.bench;

import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.CpuKernels;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The paper-shape rows (issue 18): training steps of the {@code paper-avss} preset (ResNet-50, 224 x 224, D_q = 256,
 * 100 queries, 3 + 9 decoder layers) at batch 2 and one thread, toolkit against the Python reference of the same
 * recipe. At these shapes the step is dominated by convolution and matrix kernels, not by the per-op costs that
 * decide the tiny recipes. The data are the built-in synthetic semantic set rendered at 224 px (the step's work does
 * not depend on what the pictures show); each step takes seconds, so one warm-up and three timed steps per round.
 */
final class PaperShapeBench {

    static final int WARMUP = 1;
    static final int STEPS = 3;
    static final int BATCH = 2;

    private PaperShapeBench() {
    }

    /** paper-avss on the synthetic set at its own image size, batch 2. */
    static Recipe recipe() {
        return Presets.get("paper-avss").derive("paper-avss", b -> b
                .data(d -> d.synthetic("semantic").path("").trainItems(16).testItems(2))
                .optim(o -> o.batchSize(BATCH)));
    }

    /**
     * Adds the rows (train_step_* with recipe=paper-avss, and the ratios against the reference) to {@code bench}.
     * The step needs oneDNN capped before the process's first convolution ({@link CpuKernels}); when this process
     * has convolved already (the other sections ran first) it is measured in a fresh JVM, whose rows come back here.
     */
    static void run(Benchmarks bench, Benchmarks.Options options, PrintStream log) {
        if (!CpuKernels.convolved()) {
            bench.trainStep(recipe(), 1, WARMUP, STEPS);
            return;
        }
        try {
            for (BenchRow r : inChildJvm(options.reference())) {
                bench.add(r.name(), r.unit(), r.value(), r.detail());
            }
        } catch (IOException e) {
            log.println("  paper-shape rows skipped: " + e.getMessage());
        }
    }

    private static List<BenchRow> inChildJvm(Reference reference) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + Math.max(4096, Runtime.getRuntime().maxMemory() >> 20) + "m");
        for (String prop : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "java.awt.headless",
                "cpm.root", "org.slf4j.simpleLogger.defaultLogLevel")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PaperShapeBench.class.getName());
        if (reference != null) {
            cmd.add(reference.python().toString());
            cmd.add(reference.dir().toString());
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("the paper-shape JVM exited with " + p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted");
        }
        return Reference.rows(out, "the paper-shape JVM");
    }

    /** The child JVM: [python reference-dir]; the rows as CSV on stdout, the log on stderr. */
    public static void main(String[] args) {
        Reference ref = args.length == 2 ? new Reference(Path.of(args[0]), Path.of(args[1])) : null;
        Benchmarks b = new Benchmarks(Benchmarks.Options.defaults(List.of(1), false, ref, Set.of("paper")), System.err);
        b.trainStep(recipe(), 1, WARMUP, STEPS);
        for (BenchRow r : b.rows()) {
            System.out.println(r.csv());
        }
    }
}
