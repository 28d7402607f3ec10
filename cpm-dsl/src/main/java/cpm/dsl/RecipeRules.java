package cpm.dsl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cross-field rules: what no single field's range can say. Each rule names the field that must change, the value
 * found and what is allowed there; {@link RecipeBuilder#build()} reports every broken rule at once.
 */
final class RecipeRules {

    /** Total stride of the ResNet image backbone: the coarsest pixel-decoder scale is image.size / 32. */
    static final int IMAGE_STRIDE = 32;

    /** Above this D_q a full covariance (D_q x D_q per component and class) is too costly to fit by EM. */
    static final int FULL_COVARIANCE_MAX_DIM = 512;

    private RecipeRules() {
    }

    static List<RecipeException.Problem> check(Recipe r) {
        List<RecipeException.Problem> p = new ArrayList<>();
        decoder(r, p);
        image(r, p);
        audio(r, p);
        stereo(r, p);
        classes(r, p);
        classifier(r, p);
        cpm(r, p);
        data(r, p);
        schedule(r, p);
        eval(r, p);
        device(r, p);
        return p;
    }

    private static void add(List<RecipeException.Problem> p, String field, Object found, String expected) {
        String shown = found instanceof List<?> l ? Recipe.show(l) : RecipeException.show(found);
        p.add(new RecipeException.Problem(field, shown, expected));
    }

    /** Multi-head attention splits decoder.hiddenDim evenly over the heads. */
    private static void decoder(Recipe r, List<RecipeException.Problem> p) {
        int hidden = r.getInt("decoder.hiddenDim");
        int heads = r.getInt("decoder.heads");
        if (hidden % heads != 0) {
            add(p, "decoder.heads", heads, "a divisor of decoder.hiddenDim (" + hidden + ")");
        }
    }

    /** The ResNet halves the image five times; the pixel decoder upsamples stride 32 to 16 to 8 exactly. */
    private static void image(Recipe r, List<RecipeException.Problem> p) {
        int size = r.getInt("image.size");
        if (size % IMAGE_STRIDE != 0) {
            add(p, "image.size", size, "a multiple of " + IMAGE_STRIDE + " (the image backbone's stride), e.g. "
                    + Math.max(IMAGE_STRIDE, Math.round(size / (double) IMAGE_STRIDE) * IMAGE_STRIDE));
        }
    }

    /**
     * STFT frames must overlap or touch: a hop larger than the window skips samples; the window fits in the FFT;
     * the mel filterbank lies below the Nyquist frequency and is not empty.
     */
    private static void audio(Recipe r, List<RecipeException.Problem> p) {
        int hop = r.getInt("audio.hop");
        int nFft = r.getInt("audio.nFft");
        if (hop > nFft) {
            add(p, "audio.hop", hop, "at most audio.nFft (" + nFft + ")");
        }
        int win = r.getInt("audio.winLength");
        if (win > nFft) {
            add(p, "audio.winLength", win, "at most audio.nFft (" + nFft + "), or 0 for audio.nFft");
        }
        double lo = r.getDouble("audio.melMin"), hi = r.getDouble("audio.melMax");
        int nyquist = r.getInt("audio.sampleRate") / 2;
        if (!r.getString("audio.frontEnd").equals("logmel")) {
            return; // the mel fields are read by the log-mel front-end only
        }
        if (hi > nyquist) {
            add(p, "audio.melMax", hi, "at most audio.sampleRate / 2 (" + nyquist + " Hz)");
        } else if (lo >= hi) {
            add(p, "audio.melMin", lo, "below audio.melMax (" + hi + " Hz)");
        }
    }

    /**
     * Input channels must match the audio: the synthetic stereo preset is stereo and the other synthetic presets
     * and AVSBench are mono (docs/datasets.md); VPO comes mono or stereo, so audio.channels says which.
     */
    private static void stereo(Recipe r, List<RecipeException.Problem> p) {
        String kind = r.getString("data.kind");
        int channels = r.getInt("audio.channels");
        if (kind.equals("synthetic")) {
            String preset = r.getString("data.preset");
            int need = preset.equals("stereo") ? 2 : 1;
            if (channels != need) {
                add(p, "audio.channels", channels, need + " for the synthetic preset " + preset
                        + (need == 2 ? " (stereo)" : " (mono)"));
            }
        } else if (!kind.startsWith("vpo-") && channels != 1) {
            add(p, "audio.channels", channels, "1 for data.kind " + kind + " (mono audio; only VPO and the synthetic "
                    + "stereo preset are stereo)");
        }
    }

    /** Class lists: background first, no duplicates, the synthetic generator's own classes, enough queries. */
    private static void classes(Recipe r, List<RecipeException.Problem> p) {
        List<String> given = r.getList("data.classes");
        if (!given.isEmpty()) {
            if (!given.get(0).equals("background")) {
                add(p, "data.classes", given.get(0), "\"background\" as the first class");
            }
            Set<String> seen = new HashSet<>();
            for (String c : given) {
                if (!seen.add(c)) {
                    p.add(new RecipeException.Problem("data.classes", RecipeException.show(c) + " twice",
                            "each class once"));
                    break;
                }
            }
            String kind = r.getString("data.kind");
            if (kind.equals("synthetic")) {
                List<String> catalog = SyntheticCatalog.classNames(r.getString("data.preset"));
                if (!given.equals(catalog)) {
                    add(p, "data.classes", given, "empty or the synthetic preset's classes "
                            + Recipe.show(catalog));
                }
            } else if ((kind.equals("s4") || kind.equals("ms3")) && given.size() != 2) {
                add(p, "data.classes", given, "two classes (background, sounding) for binary data "
                        + kind);
            }
        }
        int classes = r.classCount();
        int queries = r.getInt("queries.count");
        if (classes > 0 && queries < classes) {
            add(p, "queries.count", queries, "at least the number of classes (" + classes + ")");
        }
    }

    /** EM needs at least 2M samples per class before it fits M components (docs/method.md). */
    private static void classifier(Recipe r, List<RecipeException.Problem> p) {
        int components = r.getInt("classifier.components");
        int bank = r.getInt("classifier.bankSize");
        if (bank < 2 * components) {
            add(p, "classifier.bankSize", bank, "at least 2 * classifier.components (" + 2 * components + ")");
        }
        int dim = r.getInt("queries.dim");
        if (r.getString("classifier.covariance").equals("full") && dim > FULL_COVARIANCE_MAX_DIM) {
            add(p, "classifier.covariance", "full", "diagonal when queries.dim (" + dim + ") is above "
                    + FULL_COVARIANCE_MAX_DIM);
        }
        // Unit vectors in D dimensions have a mean per-dimension variance of at most 1/D (E|x - mu|^2 = 1 - |mu|^2),
        // so a clamp at or above 1/D holds every variance: the GMM degenerates into a fixed-temperature prototype
        // classifier in which covariance, log-det and M play no part (docs/method.md, CCDM numerics).
        int space = r.gmmDim();
        double floor = r.getDouble("classifier.varianceFloor");
        if (r.getString("classifier.variance").equals("clamp") && floor >= 1.0 / space) {
            add(p, "classifier.varianceFloor", floor, "below 1/D = " + RecipeException.show(1.0 / space)
                    + " with classifier.variance clamp (L2-normalised " + space + "-d embeddings never vary more per "
                    + "dimension, so a clamp there holds every variance; use classifier.variance add or a smaller floor)");
        }
    }

    /** PCL pools the audio features with ACP's saliency masks s_k^a (Eq. 7), so it cannot run without ACP. */
    private static void cpm(Recipe r, List<RecipeException.Problem> p) {
        if (r.getBool("cpm.pcl") && !r.getBool("cpm.acp")) {
            add(p, "cpm.pcl", true, "false when cpm.acp is false (PCL pools the ACP saliency masks, Eq. 7)");
        }
        int steps = r.getInt("optim.steps");
        int warm = r.getInt("cpm.warmupSteps");
        if (r.cpmOn() && warm >= steps) {
            add(p, "cpm.warmupSteps", warm, "fewer than optim.steps (" + steps + "), or the CPM tasks never start");
        }
    }

    /** Real data sets are read from disk; only the synthetic benchmark is generated in memory. */
    private static void data(Recipe r, List<RecipeException.Problem> p) {
        String kind = r.getString("data.kind");
        if (!kind.equals("synthetic") && r.getString("data.path").isBlank()) {
            add(p, "data.path", r.getString("data.path"), "the data root of " + kind + " on disk (required unless "
                    + "data.kind is synthetic)");
        }
    }

    private static void schedule(Recipe r, List<RecipeException.Problem> p) {
        int steps = r.getInt("optim.steps");
        int warm = r.getInt("optim.warmupSteps");
        if (warm >= steps) {
            add(p, "optim.warmupSteps", warm, "fewer than optim.steps (" + steps + ")");
        }
    }

    /** run.device names a device kind, and a GPU by its index (Device.gpu(N)) */
    private static void device(Recipe r, List<RecipeException.Problem> p) {
        String d = r.getString("run.device");
        if (!d.matches("auto|cpu|gpu|gpu:(0|[1-9][0-9]{0,3})")) {
            add(p, "run.device", d, "auto, cpu, gpu or gpu:N (N the GPU index, e.g. gpu:1)");
        }
    }

    /** The per-image protocol of AVSBench-Objects scores binary foreground maps (docs/datasets.md). */
    private static void eval(Recipe r, List<RecipeException.Problem> p) {
        if (r.getString("eval.protocol").equals("per-image") && !r.binaryLabels()) {
            String kind = r.getString("data.kind");
            String what = kind.equals("synthetic") ? "synthetic preset " + r.getString("data.preset") : kind;
            add(p, "eval.protocol", "per-image", "per-dataset for multi-class data (" + what
                    + "); per-image needs binary labels (s4, ms3, synthetic ss or ms)");
        }
        // a binary frame holds at most 2 labels, so the MS subset of binary data is empty
        if (r.getString("eval.subset").equals("ms") && r.binaryLabels()) {
            add(p, "eval.subset", "ms", "all for binary labels (the MS subset needs more than 2 labels in a frame,"
                    + " so multi-class data)");
        }
    }
}
