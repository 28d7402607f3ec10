package cpm.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Batches of a data set. Training: an endless stream over epochs, each epoch a seeded permutation of the
 * items, with random resized crop and horizontal flip (which swaps stereo channels) seeded per (seed, epoch,
 * position), and an off-screen sound per item for ACP. With data.frameSampling randomLabelled an epoch is a seeded
 * permutation of the clips instead, each position taking one of its clip's labelled frames, drawn with its own
 * seed per (seed, epoch, position) (CAVP's one random labelled frame per clip per step). Evaluation: items in order, no augmentation, null after
 * the last. A daemon thread prepares the next batches as plain Java arrays (no NDArrays there: libtorch grad
 * mode is thread-local) in a bounded queue; {@link #next} turns one into NDArrays on the caller's manager.
 * {@link #position()} / {@link #seek(long)} give an exact resume of the data order.
 * <p>
 * Whatever ends the thread (a {@link DataException}, another exception, an {@link Error} such as
 * {@link OutOfMemoryError}) reaches the caller of {@link #next}: a {@link DataException} as it is, anything else as
 * a {@link DataLoaderException} naming the item. The thread leaves what ended it in a field and ends; the caller
 * polls the queue and, once it is empty and the thread dead, throws that: a failure on the data thread never leaves
 * training waiting, and the batches prepared before it are still used.
 */
public final class BatchLoader implements AutoCloseable {

    /** ImageNet channel means and deviations the images are normalised with (Pictures undoes it). */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};
    /** The label of padded pixels (data.resize pad): no class, no target mask, not scored. */
    public static final int IGNORE = 255;
    private static final int QUEUE = 3;
    /** How often a waiting {@link #next} checks that the data thread is alive. */
    private static final long POLL_MS = 100;

    private final AvsDataset data;
    private final OffscreenSet noise;
    private final boolean train;
    private final long seed;
    private final int batchSize;
    private final int imageSize;
    private final boolean augment;
    private final boolean original;
    private final double cropScale;
    private final Images.Fit fit;
    private final int numClasses;
    private final int samples;
    private final int channels;
    /** The items of each clip when training draws one labelled frame per clip (randomLabelled), else null. */
    private final int[][] clipItems;
    /** Positions per training epoch: the items, or the clips with randomLabelled. */
    private final int epochLength;

    private long position;
    private Thread worker;
    private volatile boolean stop;
    private BlockingQueue<Object> queue;
    private boolean ended;
    /** What ended the data thread (queueing it could block, or need memory an Error left none of). */
    private volatile Failure failure;

    /** Prepared arrays of one batch. */
    private record Host(float[] images, long[] labels, float[] waves, float[] noise, float[] tags, List<String> ids,
                        int[] frames, int h, int w) {
    }

    /** Why the data thread ended: the throwable, the item (-1: none) and the stream position it was preparing. */
    private record Failure(Throwable error, int item, long position) {
    }

    private static final Object END = new Object();

    public BatchLoader(AvsDataset data, OffscreenSet noise, Recipe r, boolean train, long seed) {
        this.data = data;
        this.noise = noise;
        this.train = train;
        this.seed = seed;
        this.imageSize = r.image().size();
        this.original = r.image().originalResolution();
        this.batchSize = !train && original ? 1 : r.optim().batchSize();
        this.augment = train && r.data().augment();
        this.cropScale = r.data().cropScale();
        this.fit = Images.Fit.of(r.data().resize());
        this.numClasses = data.classes().size();
        this.samples = (int) Math.round(r.audio().sampleRate() * r.audio().secondsPerFrame());
        this.channels = data.channels();
        if (data.size() == 0) {
            throw new DataException(data.name(), "no labelled frames", "a data set with at least one labelled frame");
        }
        this.clipItems = train && r.data().randomLabelled() ? clipItems(data) : null;
        this.epochLength = clipItems != null ? clipItems.length : data.size();
    }

    /** The items of each clip, clips in the order they first occur. */
    private static int[][] clipItems(AvsDataset data) {
        java.util.Map<Integer, List<Integer>> byClip = new java.util.LinkedHashMap<>();
        for (int i = 0; i < data.size(); i++) {
            byClip.computeIfAbsent(data.clipIndex(i), c -> new ArrayList<>()).add(i);
        }
        return byClip.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
    }

    public int batchSize() {
        return batchSize;
    }

    /** Samples consumed so far (training: across epochs). */
    public long position() {
        return position;
    }

    /** Continues from {@code position} samples consumed: the following batches equal those of an uninterrupted run. */
    public void seek(long position) {
        stopWorker();
        this.position = position;
        this.ended = false;
    }

    /** The next batch on {@code manager}; in evaluation null after the last item. */
    public Batch next(NDManager manager) {
        if (ended) {
            return null;
        }
        if (worker == null) {
            startWorker(position);
        }
        Object o = take();
        if (o == END) {
            ended = true;
            return null;
        }
        Host h = (Host) o;
        int b = h.ids().size();
        position += b;
        NDArray images = manager.create(h.images(), new Shape(b, 3, h.h(), h.w()));
        NDArray labels = manager.create(h.labels(), new Shape(b, h.h(), h.w()));
        NDArray waves = manager.create(h.waves(), new Shape(b, channels, samples));
        NDArray nz = h.noise() == null ? null : manager.create(h.noise(), new Shape(b, channels, samples));
        NDArray tags = manager.create(h.tags(), new Shape(b, numClasses));
        return new Batch(images, labels, waves, nz, tags, h.ids(), h.frames(), h.labels(), h.tags());
    }

    /**
     * Reads every item's audio and every off-screen sound once. The synthetic sets keep what they render
     * ({@link RenderCache}), so afterwards a batch costs what it costs from the second epoch on; the benchmark
     * calls this so its steps are timed in that steady state, as the Python reference's pre-generated batches are.
     * Returns the number of sounds read.
     */
    public int warmUp() {
        int n = 0;
        for (int i = 0; i < data.size(); i++, n++) {
            data.audio(i);
        }
        for (int j = 0; train && noise != null && j < noise.size(); j++, n++) {
            noise.get(j);
        }
        return n;
    }

    /**
     * The data-set item at a stream position (training: the epoch's permutation of items, or of clips with a
     * labelled frame drawn per position).
     */
    private int itemAt(long pos, int[][] permCache, long[] permEpoch) {
        int n = epochLength;
        if (!train) {
            return (int) pos;
        }
        long epoch = pos / n;
        if (permEpoch[0] != epoch) {
            permCache[0] = SynthScene.permutation(new SplittableRandom(mix(seed, epoch, -1)), n);
            permEpoch[0] = epoch;
        }
        int unit = permCache[0][(int) (pos % n)];
        if (clipItems == null) {
            return unit;
        }
        int[] items = clipItems[unit]; // -2 - k: a stream of its own, apart from the permutation's and augmentation's
        return items[new SplittableRandom(mix(seed, epoch, -2 - pos % n)).nextInt(items.length)];
    }

    /**
     * The next batch (or END) of the queue; once the queue is empty and the data thread dead, what ended the thread
     * is thrown: a {@link DataException} as it is, anything else as a {@link DataLoaderException}.
     */
    private Object take() {
        BlockingQueue<Object> q = queue;
        Thread t = worker;
        try {
            while (true) {
                Object o = q.poll(POLL_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (o != null) {
                    return o;
                }
                if (!t.isAlive()) {
                    o = q.poll(); // queued just before it ended
                    if (o != null) {
                        return o;
                    }
                    Failure f = failure;
                    stopWorker(); // the next call starts a new thread at the position reached
                    if (f == null) {
                        throw new DataLoaderException("the data thread of " + data.name() + " ended without a "
                                + "batch or an error", null);
                    }
                    throw f.error() instanceof DataException d ? d : new DataLoaderException(describe(f), f.error());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        }
    }

    /** What the data thread was doing when it failed, and why, in one line. */
    private String describe(Failure f) {
        Throwable e = f.error();
        String what = f.item() >= 0 ? "the batch with item " + f.item() : "the batch at sample " + f.position();
        String why = e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
        String hint = e instanceof OutOfMemoryError ? String.format(java.util.Locale.ROOT,
                "; the Java heap holds at most %,d MiB (more with CPM_JAVA_OPTS=-Xmx...)",
                Runtime.getRuntime().maxMemory() >> 20) : "";
        return "the data thread failed while preparing " + what + " of " + data.name() + ": " + why + hint;
    }

    private void startWorker(long from) {
        stop = false;
        failure = null;
        queue = new ArrayBlockingQueue<>(QUEUE);
        BlockingQueue<Object> q = queue;
        worker = new Thread(() -> produce(from, q), "cpm-data-" + data.name());
        worker.setDaemon(true);
        worker.start();
    }

    private void stopWorker() {
        Thread t = worker;
        if (t != null) {
            stop = true;
            t.interrupt();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        worker = null;
        queue = null;
    }

    private void produce(long from, BlockingQueue<Object> q) {
        int[][] perm = new int[1][];
        long[] permEpoch = {-1};
        int[] current = {-1}; // the item being prepared, for the failure's message
        long pos = from;
        int n = data.size();
        try {
            while (!stop) {
                if (!train && pos >= n) {
                    q.put(END);
                    return;
                }
                int b = train ? batchSize : (int) Math.min(batchSize, n - pos);
                q.put(build(pos, b, perm, permEpoch, current));
                pos += b;
            }
        } catch (InterruptedException e) {
            // stopped by seek() or close()
        } catch (Throwable e) { // Errors too: an OutOfMemoryError here must not leave the consumer waiting
            failure = new Failure(e, current[0], pos); // the consumer throws it once it has taken what was queued
        }
    }

    private Host build(long pos, int b, int[][] perm, long[] permEpoch, int[] current) {
        int h = -1, w = -1;
        float[] images = null, waves = new float[b * channels * samples];
        long[] labels = null;
        float[] nz = train && noise != null ? new float[b * channels * samples] : null;
        float[] tags = new float[b * numClasses];
        List<String> ids = new ArrayList<>();
        int[] frames = new int[b];
        for (int i = 0; i < b; i++) {
            long p = pos + i;
            int item = itemAt(p, perm, permEpoch);
            current[0] = item;
            Sample s = data.get(item);
            long epoch = train ? p / epochLength : 0;
            SplittableRandom rng = new SplittableRandom(mix(seed, epoch, p % epochLength));
            float[] rgb = s.rgb();
            int[] lab = s.label();
            float[] audio = s.audio();
            int sh = s.height(), sw = s.width();
            int oh = !train && original ? sh : imageSize, ow = !train && original ? sw : imageSize;
            if (augment) {
                if (fit == Images.Fit.PAD) { // crops of the padded square, as evaluation sees the frame
                    int side = Math.max(sh, sw);
                    rgb = Images.pad(rgb, 3, sh, sw, side, side, MEAN);
                    lab = Images.pad(lab, sh, sw, side, side, IGNORE);
                    sh = side;
                    sw = side;
                }
                // crop: areas of the inscribed square, so crops keep the aspect ratio yet come from the whole frame
                double whole = fit == Images.Fit.CROP ? Math.pow(Math.min(sh, sw), 2) : sh * (double) sw;
                double area = whole * (cropScale + (1 - cropScale) * rng.nextDouble());
                double ratio = Math.exp(Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * rng.nextDouble());
                double cw = Math.min(sw, Math.sqrt(area * ratio)), ch = Math.min(sh, Math.sqrt(area / ratio));
                double x0 = (sw - cw) * rng.nextDouble(), y0 = (sh - ch) * rng.nextDouble();
                boolean flip = rng.nextBoolean();
                rgb = Images.resizeBilinear(rgb, 3, sh, sw, x0, y0, cw, ch, oh, ow, flip);
                lab = Images.resizeNearest(lab, sh, sw, x0, y0, cw, ch, oh, ow, flip);
                if (flip && s.channels() == 2) { // mirrored image: left and right swap
                    int m = s.samplesPerChannel();
                    float[] sw2 = new float[audio.length];
                    System.arraycopy(audio, m, sw2, 0, m);
                    System.arraycopy(audio, 0, sw2, m, m);
                    audio = sw2;
                }
            } else if (!train && original) {
                rgb = Images.resizeBilinear(rgb, 3, sh, sw, oh, ow);
                lab = Images.resizeNearest(lab, sh, sw, oh, ow);
            } else {
                rgb = Images.fitImage(rgb, 3, sh, sw, imageSize, fit, MEAN);
                lab = Images.fitLabel(lab, sh, sw, imageSize, fit, IGNORE);
            }
            if (images == null) {
                h = oh;
                w = ow;
                images = new float[b * 3 * h * w];
                labels = new long[b * h * w];
            }
            int hw = h * w;
            for (int c = 0; c < 3; c++) {
                int base = (i * 3 + c) * hw;
                for (int k = 0; k < hw; k++) {
                    images[base + k] = (rgb[c * hw + k] - MEAN[c]) / STD[c];
                }
            }
            for (int k = 0; k < hw; k++) {
                labels[i * hw + k] = lab[k];
            }
            fit(audio, waves, i);
            if (nz != null) {
                int j = rng.nextInt(noise.size());
                for (int t = 0; t < 10 && !noise.compatible(j, data, item); t++) {
                    j = rng.nextInt(noise.size());
                }
                fit(noise.get(j), nz, i);
            }
            boolean[] t = s.tags();
            for (int c = 1; c < Math.min(numClasses, t.length); c++) {
                tags[i * numClasses + c] = t[c] ? 1f : 0f;
            }
            ids.add(s.clipId());
            frames[i] = s.frame();
        }
        return new Host(images, labels, waves, nz, tags, ids, frames, h, w);
    }

    /** Copies a planar waveform into row i of a (B,C,S) buffer; mono feeds every channel, length padded/cut. */
    private void fit(float[] audio, float[] dst, int i) {
        int srcCh = audio.length % samples == 0 && audio.length / samples == 2 ? 2 : 1;
        int srcLen = audio.length / srcCh;
        for (int c = 0; c < channels; c++) {
            int sc = Math.min(c, srcCh - 1);
            System.arraycopy(audio, sc * srcLen, dst, (i * channels + c) * samples, Math.min(samples, srcLen));
        }
    }

    static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        stopWorker();
    }
}
