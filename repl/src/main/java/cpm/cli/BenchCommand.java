package cpm.cli;

import cpm.bench.BenchRow;
import cpm.bench.Benchmarks;
import cpm.bench.Machine;
import cpm.bench.Reference;
import cpm.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code ./cpm bench [--out FILE] [--long] [--threads 1,2] [--python PY | --no-reference]} (bench/README.md). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training-step time (tiny, tiny-baseline) with its split, evaluation throughput, the "
                + "assignment solver, the CCDM EM update, matmul ceiling vs the model's FLOP rate, and resident "
                + "memory; compare with the PyTorch/scipy references of bench/reference/. Prints a table and "
                + "writes CSV name,unit,value,detail.")
final class BenchCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--out", paramLabel = "FILE",
            description = "CSV file to write (default bench/results/bench-results.csv in the toolkit's folder; "
                    + "git ignores that name, so copy a run worth keeping to a dated name beside it)")
    Path out;

    @Option(names = "--long", description = "also run 2000 steps and report resident memory after them (minutes)")
    boolean longRun;

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "intra-op thread counts to measure, the same for the Python reference (default 1,2)")
    List<Integer> threads = new ArrayList<>(List.of(1, 2));

    @Option(names = "--python", paramLabel = "PY",
            description = "Python with torch and scipy for the references (default /usr/bin/python3)")
    Path python = Path.of("/usr/bin/python3");

    @Option(names = "--only", split = ",", paramLabel = "SECTION",
            description = "run only these sections: matmul, train, paper, epoch, eval, hungarian, gmm, memory (default all)")
    java.util.Set<String> only = new java.util.LinkedHashSet<>();

    @Option(names = "--no-reference", description = "skip the Python references")
    boolean noReference;

    /** bench/results/bench-results.csv under the toolkit's root (-Dcpm.root, else the working directory). */
    static Path defaultOut() {
        String root = System.getProperty("cpm.root");
        return Path.of(root != null ? root : ".", "bench", "results", "bench-results.csv");
    }

    @Override
    public Integer call() {
        PrintStream o = Cli.out();
        for (int t : threads) {
            if (t < 1 || t > 1024) {
                throw new Main.BadInput("--threads: found " + t + ", expected 1..1024");
            }
        }
        for (String s : only) {
            if (!Benchmarks.SECTIONS.contains(s)) {
                throw new Main.BadInput("--only: found \"" + s + "\", expected one of " + Benchmarks.SECTIONS);
            }
        }
        Reference ref = null;
        if (!noReference) {
            Path dir = Reference.locate();
            if (dir == null || !Files.isExecutable(python)) {
                Cli.err().println("cpm bench: no Python reference (" + (dir == null
                        ? "bench/reference/ not found under -Dcpm.root or the working directory"
                        : python + " is not executable") + "); measuring the toolkit alone");
            } else {
                ref = new Reference(python, dir);
            }
        }
        Benchmarks b = new Benchmarks(Benchmarks.Options.defaults(threads, longRun, ref, only), o);
        o.println(String.format("  %-20s %12s %-6s %s", "name", "value", "unit", "detail"));
        List<BenchRow> rows = b.runAll();
        StringBuilder csv = new StringBuilder("name,unit,value,detail\n");
        for (BenchRow r : rows) {
            csv.append(r.csv()).append('\n');
        }
        Path abs = (out != null ? out : defaultOut()).toAbsolutePath();
        if (abs.getParent() != null) {
            try {
                Files.createDirectories(abs.getParent());
            } catch (java.io.IOException e) {
                throw new Main.BadInput("--out: cannot create the folder " + abs.getParent() + ": " + e.getMessage());
            }
        }
        AtomicFiles.writeString(abs, csv.toString());
        o.println("wrote " + abs + " (" + rows.size() + " rows; load now " + Machine.load() + ")");
        return 0;
    }
}
