package cpm.bench;

import ai.djl.ndarray.NDManager;
import cpm.data.Batch;
import cpm.data.BatchLoader;
import cpm.data.Datasets;
import cpm.dsl.Recipe;
import cpm.train.TrainingSession;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code eval} section of {@code ./cpm bench}: evaluation throughput of a recipe on its test split (untrained
 * weights: the work is the same) with the data, the forward, the inference merge, the coverage score and the
 * metrics, against the Python reference (bench/reference/eval_ref.py) on the very same frames, which are written
 * to a temporary file first. Rounds alternate with the reference's runs in one session (the machine's clock rate
 * moves between runs minutes apart) and each ratio is the median of the per-round ratios.
 */
final class EvalBench {

    /** Rounds of toolkit evaluations and reference runs, alternating. */
    static final int ROUNDS = 3;
    /** Frames of the warm-up evaluation (the reference warms up on as many). */
    static final int WARMUP = 8;

    private final Benchmarks out;
    private final Reference reference;
    private final java.io.PrintStream log;

    /** @param reference the Python references, or null */
    EvalBench(Benchmarks out, Reference reference, java.io.PrintStream log) {
        this.out = out;
        this.reference = reference;
        this.log = log;
    }

    /** The rows for each thread count. */
    void run(Recipe base, List<Integer> threads) {
        for (int t : threads) {
            measure(base, t);
        }
    }

    private void measure(Recipe base, int threads) {
        Recipe r = base.derive(base.name(), b -> b.run(x -> x.threads(threads)));
        String id = "recipe=" + base.name() + " threads=" + threads;
        List<Double> oursWall = new ArrayList<>();   // per round: frames per second
        List<Double> oursCpu = new ArrayList<>();    // per round: frames per CPU second of the evaluating thread
        Map<String, List<BenchRow>> refRows = new LinkedHashMap<>();
        int images = 0;
        String scores = "";
        Path frames = null;
        try (TrainingSession s = new TrainingSession(r)) {
            s.evaluate("test", WARMUP, false);
            int rounds = 1;
            if (reference != null) {
                try {
                    frames = writeFrames(s, r);
                    rounds = ROUNDS;
                } catch (IOException e) {
                    log.println("  eval reference skipped: " + e.getMessage());
                }
            }
            for (int round = 0; round < rounds; round++) {
                long c0 = Benchmarks.cpuNs();
                long t0 = System.nanoTime();
                TrainingSession.EvalResult e = s.evaluate("test", 0, false);
                double sec = (System.nanoTime() - t0) / 1e9;
                double cpu = (Benchmarks.cpuNs() - c0) / 1e9;
                images = e.images();
                scores = String.format(Locale.ROOT, "%s mIoU %.4f F-beta %.4f coverage %.4f", e.protocol(),
                        e.miou(), e.fbeta(), e.coverage());
                oursWall.add(images / sec);
                oursCpu.add(images / cpu);
                if (frames != null) {
                    try {
                        for (BenchRow row : reference.eval(r, frames, threads, s.numClasses())) {
                            refRows.computeIfAbsent(row.name(), k -> new ArrayList<>()).add(row);
                        }
                    } catch (IOException ex) {
                        log.println("  eval reference skipped: " + ex.getMessage());
                    }
                }
            }
        } finally {
            deleteQuietly(frames);
        }
        String rounds = oursWall.size() > 1 ? ", median of " + oursWall.size() + " rounds "
                + Benchmarks.fmtList(oursWall) + " alternating with the reference" : "";
        out.add("eval_images_per_s", "img/s", Stats.median(oursWall), String.format(Locale.ROOT,
                "%s %d test frames (data, forward, merge, coverage, metrics)%s; %s (untrained weights); load=%s",
                id, images, rounds, scores, Machine.load()));
        if (threads == 1) {
            out.add("eval_images_per_cpu_s", "img/s", Stats.median(oursCpu), id + " frames per CPU second of the"
                    + " evaluating thread (one intra-op thread: forward, merge and metrics run on it; the data"
                    + " loader's thread is not counted, as the reference loads its frames before timing)"
                    + (oursCpu.size() > 1 ? ", median of rounds " + Benchmarks.fmtList(oursCpu) : ""));
        }
        for (Map.Entry<String, List<BenchRow>> e : refRows.entrySet()) {
            List<Double> values = e.getValue().stream().map(BenchRow::value).toList();
            BenchRow last = e.getValue().get(e.getValue().size() - 1);
            out.add(e.getKey(), last.unit(), Stats.median(values), "median of " + values.size() + " rounds "
                    + Benchmarks.fmtList(values) + "; last round: " + last.detail());
            if (values.size() != oursWall.size()) {
                continue;
            }
            if (e.getKey().equals("ref_eval_images_per_s")) {
                List<Double> rl = Stats.ratios(oursWall, values);
                out.add("eval_ratio", "ratio", Stats.median(rl), id + " cpm / pytorch-python frames per second"
                        + " (wall clock; the toolkit's includes its data loading), median of the per-round ratios "
                        + Benchmarks.fmtList(rl) + " (target >= 1.2)");
            } else if (e.getKey().equals("ref_eval_images_per_cpu_s")) {
                List<Double> rl = Stats.ratios(oursCpu, values);
                out.add("eval_cpu_ratio", "ratio", Stats.median(rl), id + " cpm / pytorch-python frames per CPU"
                        + " second of the evaluating thread, median of the per-round ratios " + Benchmarks.fmtList(rl)
                        + " (target >= 1.2)");
            }
        }
    }

    /**
     * The test frames as the evaluation's loader gives them, for eval_ref.py: a JSON header line, then big-endian
     * images float32 (n,3,H,W), labels int64 (n,H,W), waves float32 (n,C,S) and tags float32 (n,classes).
     */
    static Path writeFrames(TrainingSession s, Recipe r) throws IOException {
        List<float[]> images = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        List<float[]> waves = new ArrayList<>();
        List<float[]> tags = new ArrayList<>();
        int n = 0;
        long[] imageShape = null;
        long[] waveShape = null;
        var data = Datasets.open(r, "test");
        try (BatchLoader loader = new BatchLoader(data, null, r, false, r.run().seed());
             NDManager m = s.manager().newSubManager()) {
            for (Batch b = loader.next(m); b != null; b = loader.next(m)) {
                images.add(b.images().toFloatArray());
                labels.add(b.hostLabels());
                waves.add(b.waves().toFloatArray());
                tags.add(b.hostTags());
                imageShape = b.images().getShape().getShape();
                waveShape = b.waves().getShape().getShape();
                n += b.size();
                b.close();
            }
        }
        if (imageShape == null || imageShape[2] != imageShape[3]) {
            throw new IOException("test frames: expected square frames, found "
                    + (imageShape == null ? "none" : java.util.Arrays.toString(imageShape)));
        }
        Path f = Files.createTempFile("cpm-bench-frames", ".bin");
        try (OutputStream os = Files.newOutputStream(f);
             DataOutputStream d = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
            d.write((String.format(Locale.ROOT, "{\"n\": %d, \"size\": %d, \"channels\": %d, \"samples\": %d,"
                    + " \"classes\": %d}\n", n, imageShape[2], waveShape[1], waveShape[2], data.classes().size()))
                    .getBytes(StandardCharsets.UTF_8));
            writeFloats(d, images);
            for (long[] a : labels) {
                for (long v : a) {
                    d.writeLong(v);
                }
            }
            writeFloats(d, waves);
            writeFloats(d, tags);
        } catch (IOException e) {
            deleteQuietly(f);
            throw e;
        }
        return f;
    }

    private static void writeFloats(DataOutputStream d, List<float[]> arrays) throws IOException {
        for (float[] a : arrays) {
            for (float v : a) {
                d.writeFloat(v);
            }
        }
    }

    private static void deleteQuietly(Path f) {
        try {
            if (f != null) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // a temporary file left in /tmp
        }
    }
}
