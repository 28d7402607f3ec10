package cpm.bench;

import cpm.dsl.Recipe;
import cpm.dsl.RecipeJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Python references of bench/reference/ run as child processes: the same model run eagerly by PyTorch from
 * Python (train_step_ref.py: a training step; eval_ref.py: the evaluation over the same test frames) and scipy's
 * linear_sum_assignment on the same matrices (hungarian_ref.py). Each
 * prints CSV rows {@code name,unit,value,detail} on stdout, which are read back here.
 */
public final class Reference {

    private final Path python;
    private final Path dir;

    /**
     * @param python the interpreter (Debian's /usr/bin/python3 has python3-torch and python3-scipy)
     * @param dir    the bench/reference folder
     */
    public Reference(Path python, Path dir) {
        this.python = python;
        this.dir = dir;
    }

    Path python() {
        return python;
    }

    Path dir() {
        return dir;
    }

    /** The reference folder next to the launcher (-Dcpm.root) or under the working directory; null if absent. */
    public static Path locate() {
        for (String base : new String[] {System.getProperty("cpm.root"), System.getProperty("user.dir")}) {
            if (base != null) {
                Path p = Path.of(base, "bench", "reference");
                if (Files.isRegularFile(p.resolve("train_step_ref.py"))) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Median step time and split of the PyTorch model for a recipe (its resolved JSON is passed on). */
    public List<BenchRow> trainStep(Recipe r, int threads, int warmup, int steps, int classes) throws IOException {
        Path json = Files.createTempFile("cpm-bench-recipe", ".json");
        try {
            Files.writeString(json, RecipeJson.toJson(r));
            return run(List.of(dir.resolve("train_step_ref.py").toString(), "--recipe", json.toString(),
                    "--threads", String.valueOf(threads), "--warmup", String.valueOf(warmup), "--steps",
                    String.valueOf(steps), "--classes", String.valueOf(classes)), 900, threads);
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /**
     * Frames per second of the PyTorch evaluation (forward, merge, coverage, metrics) of a recipe over the test
     * frames EvalBench wrote to {@code frames}.
     */
    public List<BenchRow> eval(Recipe r, Path frames, int threads, int classes) throws IOException {
        Path json = Files.createTempFile("cpm-bench-recipe", ".json");
        try {
            Files.writeString(json, RecipeJson.toJson(r));
            return run(List.of(dir.resolve("eval_ref.py").toString(), "--recipe", json.toString(), "--frames",
                    frames.toString(), "--threads", String.valueOf(threads), "--classes", String.valueOf(classes),
                    "--warmup", String.valueOf(EvalBench.WARMUP)), 900, threads);
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /** scipy's solve time for each matrix (written to a temporary text file: rows, cols, then the values). */
    public List<BenchRow> hungarian(List<double[][]> matrices) throws IOException {
        Path f = Files.createTempFile("cpm-bench-costs", ".txt");
        try {
            StringBuilder sb = new StringBuilder();
            for (double[][] c : matrices) {
                sb.append(c.length).append(' ').append(c[0].length).append('\n');
                for (double[] row : c) {
                    for (int j = 0; j < row.length; j++) {
                        sb.append(j == 0 ? "" : " ").append(Double.toString(row[j]));
                    }
                    sb.append('\n');
                }
            }
            Files.writeString(f, sb.toString());
            return run(List.of(dir.resolve("hungarian_ref.py").toString(), f.toString()), 300, 1);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** scikit-learn's GaussianMixture fitted class by class on the banks of {@code file} (see GmmBench), one thread. */
    public List<BenchRow> gmm(Path file) throws IOException {
        return run(List.of(dir.resolve("gmm_ref.py").toString(), file.toString()), 600, 1);
    }

    /**
     * Runs a reference script with torch's OpenMP pool at {@code threads} and OpenBLAS on one thread: Debian's torch
     * multiplies in OpenBLAS, whose own pool ignores torch.set_num_threads; sized like OpenMP's, the two pools
     * contend for the cores and the step at two threads took 241 ms instead of 119 (bench/NOTES.md, change 15).
     */
    private List<BenchRow> run(List<String> args, int timeoutS, int threads) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        for (String v : List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
            pb.environment().put(v, String.valueOf(threads));
        }
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("reference " + args.get(0) + " took longer than " + timeoutS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + args.get(0));
        }
        if (p.exitValue() != 0) {
            throw new IOException("reference " + String.join(" ", cmd) + " exited with " + p.exitValue());
        }
        return rows(out, "reference " + args.get(0));
    }

    /** The {@code name,unit,value,detail} rows a child process printed (a header line is skipped). */
    static List<BenchRow> rows(String out, String what) throws IOException {
        List<BenchRow> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.split(",", 4);
            if (f.length == 4 && !f[0].equals("name")) {
                try {
                    String d = f[3].startsWith("\"") ? f[3].substring(1, f[3].length() - 1).replace("\"\"", "\"")
                            : f[3];
                    rows.add(new BenchRow(f[0], f[1], Double.parseDouble(f[2]), d));
                } catch (NumberFormatException e) {
                    throw new IOException(what + ": unreadable row \"" + line + "\"");
                }
            }
        }
        return rows;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
