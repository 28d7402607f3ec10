package cpm.dsl;

import cpm.dsl.Field.Kind;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every knob of a recipe, in the order {@code describe()} and the JSON form print them. Defaults are the
 * paper's setup (ResNet-50, Mask2Former decoder, full CPM); presets ({@link Presets}) change what differs.
 * Sections: image, audio, pixelDecoder, decoder, queries, classifier, cpm, loss, matcher, data, optim, eval,
 * run.
 */
public final class RecipeSchema {

    private static final Map<String, Field> FIELDS = new LinkedHashMap<>();
    private static final List<String> SECTIONS = new ArrayList<>();

    static {
        // image backbone (Sec. 3.1: ResNet-50 in every table of the paper)
        choice("image.backbone", "resnet50", "image backbone", "resnet18", "resnet34", "resnet50");
        dbl("image.width", 1.0, 0.03125, 4.0, "channel width multiplier of the ResNet (1 = standard)");
        integer("image.frozenStages", 1, 0, 5, "ResNet stages whose weights are frozen (0 none, 1 the stem, ...)");
        choice("image.norm", "batch", "normalisation in the backbone", "batch", "group", "frozen-batch");
        str("image.pretrained", "", "local file of pretrained backbone weights, .safetensors or .npz (empty: random init)");
        choice("image.pretrainedNames", "auto", "tensor names in image.pretrained: torchvision (= timm for ResNets), "
                + "transformers (Hugging Face ResNetModel), or auto (the one that matches more)",
                "auto", "torchvision", "timm", "transformers");
        integer("image.size", 224, 16, 2048, "training input size (square) in pixels");
        bool("image.originalResolution", false, "evaluate each frame at its own resolution (Sec. 4.3) instead of image.size");

        // audio backbone
        choice("audio.backbone", "resnet", "audio CNN family: cnn, resnet (a 3x3 stem, one block per stage), or "
                + "resnet18 (torchvision ResNet-18 on 1 or 2 channels, as CAVP; ImageNet weights fit at width 64)",
                "cnn", "resnet", "resnet18");
        integer("audio.width", 64, 4, 1024, "channels of the first audio CNN stage (resnet18: of its stem; 64 standard)");
        integer("audio.channels", 1, 1, 2, "input channels: 1 mono, 2 stereo (VPO)");
        integer("audio.sampleRate", 16000, 4000, 96000, "sample rate the audio is resampled to (Hz)");
        integer("audio.nFft", 512, 16, 8192, "STFT window length in samples");
        integer("audio.hop", 160, 1, 8192, "STFT hop in samples");
        choice("audio.window", "hann", "STFT window", "hann", "hamming", "rect");
        integer("audio.winLength", 0, 0, 8192, "STFT window length inside audio.nFft, centred and zero padded (0: audio.nFft; CAVP: 400)");
        integer("audio.bins", 0, 0, 4096, "frequency bins fed to the backbone (0: nFft/2+1, else resized)");
        integer("audio.frames", 0, 0, 4096, "time frames fed to the backbone (0: as computed, else resized)");
        choice("audio.scale", "log", "spectrogram compression: magnitude, or log(1+x)", "magnitude", "log");
        choice("audio.frontEnd", "spectrogram", "what the audio backbone sees: spectrogram (|STFT| with audio.scale) or logmel (CAVP: mel power, 20 log10, mapped from [-100, 100] dB to [-1, 1]); ACP always masks |STFT|", "spectrogram", "logmel");
        integer("audio.melBands", 64, 1, 512, "mel bands of the logmel front-end");
        dbl("audio.melMin", 125.0, 0.0, 48000.0, "lowest frequency of the mel filterbank (Hz)");
        dbl("audio.melMax", 3800.0, 1.0, 48000.0, "highest frequency of the mel filterbank (Hz), at most audio.sampleRate / 2");
        dbl("audio.secondsPerFrame", 1.0, 0.05, 60.0, "seconds of audio per video frame");
        str("audio.pretrained", "", "local file of pretrained audio backbone weights, .safetensors or .npz (empty: "
                + "random init); a 3-channel conv1 (ImageNet) is adapted to audio.channels");
        choice("audio.pretrainedNames", "auto", "tensor names in audio.pretrained (as image.pretrainedNames)",
                "auto", "torchvision", "timm", "transformers");

        // pixel decoder
        choice("pixelDecoder.kind", "fpn", "pixel decoder", "fpn");
        integer("pixelDecoder.hiddenDim", 256, 8, 2048, "channels of the pixel decoder");
        integer("pixelDecoder.scales", 3, 1, 3, "pixel-decoder scales the transformer decoder cycles over (stride 32, 16, 8)");

        // transformer decoder (audio layers, then visual layers; Fig. 2)
        integer("decoder.audioLayers", 3, 0, 32, "decoder layers that attend to the audio tokens (f^TD-A)");
        integer("decoder.visualLayers", 9, 1, 64, "decoder layers with masked cross-attention to the image (f^TD-V)");
        integer("decoder.heads", 8, 1, 64, "attention heads");
        integer("decoder.hiddenDim", 256, 8, 4096, "decoder width");
        integer("decoder.ffnDim", 2048, 8, 16384, "feed-forward width");
        bool("decoder.maskedAttention", true, "Mask2Former masked cross-attention in the visual layers");
        dbl("decoder.dropout", 0.0, 0.0, 0.9, "dropout in attention and FFN");
        choice("decoder.norm", "post", "layer-norm placement", "pre", "post");

        // queries
        integer("queries.count", 100, 1, 1000, "class-agnostic queries N");
        integer("queries.dim", 256, 4, 4096, "mask-embedding dimension D_q");

        // classifier: softmax (point representation) or the class-conditional GMM (CCDM, Eq. 1-4)
        choice("classifier.kind", "gmm", "softmax (point representation) or gmm (CCDM)", "softmax", "gmm");
        integer("classifier.components", 3, 1, 64, "GMM components M per class");
        choice("classifier.covariance", "diagonal", "GMM covariance", "diagonal", "full");
        integer("classifier.bankSize", 2048, 2, 1_000_000, "memory bank size per class (FIFO of matched embeddings)");
        dbl("classifier.momentum", 0.99, 0.0, 1.0, "GMM parameter momentum: new = m*old + (1-m)*EM");
        integer("classifier.emIterations", 3, 1, 100, "EM iterations per update");
        integer("classifier.updateInterval", 10, 1, 1_000_000, "steps between GMM updates");
        dbl("classifier.varianceFloor", 1e-2, 1e-12, 1.0, "epsilon added to every diagonal variance (classifier.variance add) or its lower bound (clamp)");
        choice("classifier.variance", "add", "add: sigma^2 = var + epsilon (GMMSeg); clamp: sigma^2 = max(var, floor), must stay below 1/D", "add", "clamp");
        dbl("classifier.temperature", 1.0, 1e-3, 1e3, "divides the raw GMM log-likelihood logits (classifier.head raw)");
        integer("classifier.noObjectSamples", 64, 0, 100_000, "unmatched embeddings per step added to the no-object bank");
        choice("classifier.space", "query", "what the GMM models: query (the decoder output q~ in query space, Sec. 3.1) or maskEmbed (the post-MLP mask embedding)", "query", "maskEmbed");
        choice("classifier.head", "layernorm", "layernorm: L2(LayerNorm(x)), unit means, class-axis LayerNorm with learned gamma, beta before the CE (GMMSeg); raw: L2(x), log-likelihoods / temperature", "layernorm", "raw");
        choice("classifier.componentScore", "max", "per-class score from the M components: max (GMMSeg) or logsumexp with the weights (Eq. 2)", "max", "logsumexp");
        choice("classifier.unfitted", "shared", "classes before their first fit: shared (the fitted classes' mean variance), mask (left out of the logits), unit (variance 1)", "shared", "mask", "unit");
        choice("classifier.firstFit", "blend", "a class's first EM fit: blend (momentum from the seeded random initialisation, as GMMSeg's means start) or replace (takes the EM result as it is)", "blend", "replace");
        choice("classifier.em", "sinkhorn", "M-step assignment: sinkhorn (balanced hard assignment, GMMSeg) or soft (responsibilities, Eq. 3-4)", "sinkhorn", "soft");
        choice("classifier.enqueue", "all", "matched embeddings that enter the bank: all, or correct (argmax equals the target, GMMSeg)", "all", "correct");
        dbl("classifier.lrMultiplier", 10.0, 0.0, 1e3, "learning rate of the GMM head's parameters (feature and class-axis LayerNorms, no-object logit) = optim.lr * this (GMMSeg's head: 10)");
        choice("classifier.noObject", "mixture", "no-object: mixture (a GMM class; with the layernorm head its beta is a learned bias), linear (a linear logit beside the GMM classes, Mask2Former), prior (log of the running no-object fraction as prior)", "mixture", "linear", "prior");

        // CPM training tasks (Sec. 3.2)
        bool("cpm.vcp", true, "visual conditional prompting (Eq. 6)");
        dbl("cpm.vcpWeight", 1.0, 0.0, 1e3, "weight of l_VCP");
        bool("cpm.acp", true, "audio conditional prompting (Eq. 5)");
        dbl("cpm.acpWeight", 1.0, 0.0, 1e3, "weight of l_ACP");
        bool("cpm.pcl", true, "prompting-based contrastive learning (Eq. 7-9)");
        dbl("cpm.pclWeight", 1.0, 0.0, 1e3, "weight of l_PCL");
        dbl("cpm.lambda", 1.0, 0.0, 1e3, "l = l_agn + lambda * (l_ACP + l_VCP + l_PCL)");
        integer("cpm.promptsPerClass", 1, 1, 64, "prompts z^k sampled per sounding class");
        dbl("cpm.tau", 0.1, 1e-4, 10.0, "PCL temperature (Eq. 9)");
        integer("cpm.pclPixels", 256, 1, 1_000_000, "pixels sampled per class and image for PCL");
        str("cpm.noise", "auto", "ACP off-screen set: auto (synthetic off-screen set, or another clip), or a folder of WAV files");
        dbl("cpm.mixGain", 1.0, 0.0, 100.0, "gain of the off-screen spectrogram a_j in a_p = a_i + gain * a_j");
        integer("cpm.warmupSteps", 0, 0, 10_000_000, "steps before the CPM losses switch on");
        choice("cpm.promptSampling", "fitted", "fitted: z ~ N(mu, var) with the fitted variance, renormalised to the GMM's sphere; floored: with the floored variance, not renormalised", "fitted", "floored");
        choice("cpm.promptPos", "shared", "positional embedding of the prompts: shared (one learned vector), class (a learned one per class, leaks the class), zero", "shared", "class", "zero");
        choice("cpm.acpLoss", "l2", "l_ACP per image: l2 (the L2 norm of Eq. 5) or mse (mean squared error over bins)", "l2", "mse");
        choice("cpm.pclNegatives", "batch", "PCL positives and negatives: batch (across the images of the batch, CAVP) or image (the anchor's own image)", "batch", "image");

        // losses (Sec. 3.1)
        dbl("loss.ceWeight", 2.0, 0.0, 1e3, "cross-entropy weight");
        dbl("loss.noObjectWeight", 0.1, 0.0, 1.0, "class weight of the no-object class in the CE");
        dbl("loss.focalWeight", 5.0, 0.0, 1e3, "focal mask loss weight");
        dbl("loss.focalAlpha", 0.25, 0.0, 1.0, "focal alpha");
        dbl("loss.focalGamma", 2.0, 0.0, 10.0, "focal gamma");
        dbl("loss.diceWeight", 5.0, 0.0, 1e3, "dice mask loss weight");
        bool("loss.deepSupervision", true, "losses on every decoder layer's predictions");

        // Hungarian matching costs
        dbl("matcher.classCost", 2.0, 0.0, 1e3, "class cost");
        dbl("matcher.maskCost", 5.0, 0.0, 1e3, "sigmoid BCE mask cost");
        dbl("matcher.diceCost", 5.0, 0.0, 1e3, "dice cost");
        integer("matcher.points", 12544, 0, 10_000_000, "points sampled for matching and mask losses (0: all pixels)");

        // data
        choice("data.kind", "synthetic", "data set", "synthetic", "avss", "s4", "ms3", "vpo-ss", "vpo-ms", "vpo-msmi");
        choice("data.preset", "semantic", "synthetic preset (docs/datasets.md)", "ss", "ms", "semantic", "stereo");
        str("data.path", "", "data root on local disk (required unless data.kind is synthetic)");
        str("data.audioPath", "", "VGGSound folder holding audios/<vgg_file>.wav, where VPO's audio comes from (required for vpo-*)");
        integer("data.framesPerClip", 5, 1, 100, "frames per clip");
        integer("data.trainItems", 2000, 1, 10_000_000, "synthetic training clips");
        integer("data.testItems", 100, 1, 10_000_000, "synthetic test clips");
        bool("data.augment", true, "random resized crop and horizontal flip (Sec. 4.3)");
        dbl("data.cropScale", 0.5, 0.05, 1.0, "smallest area fraction of the random resized crop");
        choice("data.resize", "squash", "frames to image.size squares: squash (stretched), pad (whole frame, padded with the mean, pad labels ignored) or crop (shorter side fits, centre crop; training crops anywhere)", "squash", "pad", "crop");
        list("data.classes", List.of(), "class names, background first (empty: from the data set)");
        choice("data.frameSampling", "all", "training items: all (every labelled frame once per epoch) or randomLabelled (each clip once per epoch, one of its labelled frames drawn at random, as CAVP trains)", "all", "randomLabelled");

        // optimiser and schedule
        dbl("optim.lr", 1e-4, 1e-8, 10.0, "AdamW learning rate");
        dbl("optim.weightDecay", 0.05, 0.0, 10.0, "AdamW weight decay");
        dbl("optim.backboneLrMultiplier", 0.1, 0.0, 10.0, "backbone learning rate = lr * this");
        choice("optim.schedule", "poly", "learning-rate schedule", "poly", "cosine", "constant");
        dbl("optim.polyPower", 0.9, 0.0, 10.0, "power of the poly schedule");
        integer("optim.warmupSteps", 0, 0, 10_000_000, "linear warm-up steps");
        integer("optim.steps", 40000, 1, 100_000_000, "training steps");
        integer("optim.batchSize", 8, 1, 4096, "frames per batch");
        dbl("optim.gradClip", 0.01, 0.0, 1e6, "gradient clipping (global L2 norm; 0 = off)");

        // evaluation
        choice("eval.protocol", "per-dataset", "per-dataset (PASCAL VOC: mean over the classes that occur), per-image (AVSBench-Objects) or cavp (CAVP: mean IoU over all classes, an absent one counting 0)", "per-dataset", "per-image", "cavp");
        choice("eval.subset", "all", "frames scored: all, or ms (CAVP's multi-source subset: ground truth with more than 2 labels of more than 100 pixels each; the protocol's name then ends in /ms)", "all", "ms");
        dbl("eval.betaSquared", 0.3, 1e-6, 100.0, "beta^2 of the F-measure");
        integer("eval.interval", 0, 0, 100_000_000, "steps between evaluations during training (0: only at the end)");
        integer("eval.maxItems", 0, 0, 100_000_000, "evaluate at most this many test clips (0: all)");
        integer("eval.valInterval", 0, 0, 100_000_000, "steps between evaluations on the val split during training, keeping the best by val mIoU in checkpoints/best.ckpt (0: off)");

        // run
        integer("run.seed", 42, 0, Integer.MAX_VALUE, "seed of every random choice");
        str("run.device", "auto", "compute device: auto (GPU 0 if one is visible, else CPU), cpu, gpu (GPU 0) or gpu:N");
        choice("run.precision", "fp32", "compute precision: fp32, or bf16 (convolutions and matrix products in bfloat16; weights, norms, softmax, losses, GMM and optimiser in float32)", "fp32", "bf16");
        integer("run.threads", 0, 0, 1024, "CPU threads (0: all cores)");
        integer("run.checkpointInterval", 500, 0, 100_000_000, "steps between checkpoints (0: only at the end)");
        integer("run.logInterval", 10, 1, 100_000_000, "steps between history rows");
        integer("run.pictures", 4, 0, 1000, "test items drawn as overlays after training");
    }

    private RecipeSchema() {
    }

    /** All fields, in schema order. */
    public static Map<String, Field> fields() {
        return Collections.unmodifiableMap(FIELDS);
    }

    public static List<String> sections() {
        return Collections.unmodifiableList(SECTIONS);
    }

    /** The field at a path, or an error naming the path and the nearest known one. */
    public static Field field(String path) {
        Field f = FIELDS.get(path);
        if (f == null) {
            throw new RecipeException(List.of(new RecipeException.Problem(path, "an unknown field",
                    "a known field" + suggestion(path))));
        }
        return f;
    }

    public static boolean has(String path) {
        return FIELDS.containsKey(path);
    }

    static String suggestion(String path) {
        return Suggestions.didYouMean(path, FIELDS.keySet(), Math.max(3, path.length() / 3));
    }

    /** " (did you mean image?)" for a mistyped section name, or "". */
    static String sectionSuggestion(String name) {
        return Suggestions.didYouMean(name, SECTIONS, Math.max(2, name.length() / 3));
    }

    private static void add(Field f) {
        FIELDS.put(f.path(), f);
        if (!SECTIONS.contains(f.section())) {
            SECTIONS.add(f.section());
        }
    }

    private static void integer(String p, int def, int min, int max, String doc) {
        add(new Field(p, Kind.INT, def, min, max, null, doc));
    }

    private static void dbl(String p, double def, double min, double max, String doc) {
        add(new Field(p, Kind.DOUBLE, def, min, max, null, doc));
    }

    private static void bool(String p, boolean def, String doc) {
        add(new Field(p, Kind.BOOL, def, 0, 0, null, doc));
    }

    private static void str(String p, String def, String doc) {
        add(new Field(p, Kind.STRING, def, 0, 0, null, doc));
    }

    private static void list(String p, List<String> def, String doc) {
        add(new Field(p, Kind.LIST, def, 0, 0, null, doc));
    }

    private static void choice(String p, String def, String doc, String... choices) {
        add(new Field(p, Kind.CHOICE, def, 0, 0, List.of(choices), doc));
    }
}
