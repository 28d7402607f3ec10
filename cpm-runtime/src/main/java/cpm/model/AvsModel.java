package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import cpm.nn.Init;
import cpm.nn.Linear;
import cpm.nn.Resize;
import cpm.nn.Scalars;
import cpm.nn.Weights;

import java.nio.file.Path;
import java.util.List;

/**
 * The class-agnostic audio-visual segmentation network of Sec. 3.1 (AVSegFormer* in the paper's tables,
 * Fig. 2), compiled from a recipe: ResNet image backbone + FPN pixel decoder, audio CNN + audio pixel decoder,
 * and a Mask2Former transformer decoder with audio layers then masked visual layers. It also holds the pieces
 * the CPM workflow needs: the projection of class-conditional prompts (from the space the GMM models,
 * classifier.space) to the decoder width, the prompts' positional embedding (cpm.promptPos: one shared learned
 * vector, a learned one per class, or none), the ACP audio masks (Eq. 5), and the learned point representation
 * (Table 5).
 *
 * <p>Parameter names: {@code backbone.*} (torchvision ResNet names, optimiser group "backbone"),
 * {@code pixelDecoder.*}, {@code audio.backbone.*}, {@code audio.proj.*}, {@code audio.decoder.*},
 * {@code decoder.*}, {@code classHead.*} (the default softmax head), {@code queryFeat}, {@code queryPos},
 * {@code promptProj.*}, {@code promptPos}, {@code pointRep}.
 */
public final class AvsModel {

    private final Recipe recipe;
    private final int numClasses;
    private final Weights weights;
    private final ImageBackbone imageBackbone;
    private final PixelDecoder pixelDecoder;
    private final AudioBackbone audioBackbone;
    private final TransformerDecoder decoder;
    private final SoftmaxClassifier softmax;
    private final NDArray queryFeat;
    private final NDArray queryPos;
    private final Linear promptProj;
    private final NDArray promptPos;
    private final String promptPosKind;
    private final float promptScale;
    private final long promptDim;
    private final NDArray pointRep;
    private final int queries;
    private final long dim;
    private final long maskDim;
    private final int tokenStride;
    private Classifier classifier;
    private final List<WeightsReport> reports = new java.util.ArrayList<>();

    private static final String IMAGE = "backbone.";
    private static final String IMAGE_PART = "image backbone";
    private static final String AUDIO = "audio.backbone.";
    private static final String AUDIO_PART = "audio backbone";

    /**
     * Builds every parameter (seeded through {@code w}); loads image.pretrained / audio.pretrained when set.
     *
     * @param w          the root view of the model's weights (names are absolute: "backbone.conv1.weight")
     * @param numClasses C, background included, no-object excluded
     */
    public AvsModel(Recipe r, int numClasses, Weights w) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses: found " + numClasses + ", expected at least 1");
        }
        this.recipe = r;
        this.numClasses = numClasses;
        this.weights = w;
        this.dim = r.decoder().hiddenDim();
        this.maskDim = r.queries().dim();
        this.queries = r.queries().count();
        String norm = r.image().norm();
        int frozen = r.image().frozenStages();

        imageBackbone = imageBackbone(r, w);
        for (String p : ImageBackbone.frozenPrefixes(frozen)) {
            w.freeze("backbone." + p);
        }
        if (norm.equals("frozen-batch")) {
            // frozen batch norm: statistics and affine fixed (as for pretrained detection backbones)
            for (String k : List.copyOf(w.entries().keySet())) {
                if (k.startsWith("backbone.") && (k.endsWith(".gamma") || k.endsWith(".beta"))) {
                    w.freeze(k);
                }
            }
        }
        pixelDecoder = new PixelDecoder(w.child("pixelDecoder"), imageBackbone.outChannels(),
                r.pixelDecoder().hiddenDim(), maskDim, dim, r.pixelDecoder().scales());

        audioBackbone = audioBackbone(r, w);
        this.tokenStride = audioBackbone.tokenStride();

        decoder = new TransformerDecoder(w.child("decoder"), dim, r.decoder().heads(), r.decoder().ffnDim(),
                r.decoder().audioLayers(), r.decoder().visualLayers(),
                r.decoder().norm().equals("pre"), r.decoder().maskedAttention(),
                (float) r.decoder().dropout(), maskDim);
        softmax = new SoftmaxClassifier(w.child("classHead"), dim, numClasses);
        classifier = softmax;
        queryFeat = w.param("queryFeat", new Shape(queries, dim), Init.normal(1.0));
        queryPos = w.param("queryPos", new Shape(queries, dim), Init.normal(1.0));
        promptDim = r.gmmDim();
        promptProj = new Linear(w.child("promptProj"), promptDim, dim);
        promptPosKind = r.cpm().promptPos();
        promptPos = switch (promptPosKind) {
            case "class" -> w.param("promptPos", new Shape(numClasses, dim), Init.normal(1.0));
            case "shared" -> w.param("promptPos", new Shape(1, dim), Init.normal(1.0));
            default -> null;
        };
        // GMM prompts on the unit sphere are taken back to the scale of the LayerNorm output they were normalised
        // from (norm sqrt(D)), the scale of the learned queries and of the point representation
        promptScale = r.classifier().gmm() && r.cpm().promptSampling().equals("fitted")
                ? (float) Math.sqrt(promptDim) : 1f;
        pointRep = w.param("pointRep", new Shape(numClasses, promptDim), Init.normal(1.0));

        if (!r.image().pretrained().isEmpty()) {
            loadPretrained(Path.of(r.image().pretrained()));
        }
        if (!r.audio().pretrained().isEmpty()) {
            loadPretrainedAudio(Path.of(r.audio().pretrained()));
        }
    }

    /** The image backbone of {@code r}, its names under {@code backbone.} (optimiser group "backbone"). */
    static ImageBackbone imageBackbone(Recipe r, Weights w) {
        return new ImageBackbone(w.child("backbone").group("backbone"), r.image().backbone(), r.image().width(),
                r.image().norm(), r.image().frozenStages());
    }

    /** The audio encoder and pixel decoder of {@code r}, names under {@code audio.}. */
    static AudioBackbone audioBackbone(Recipe r, Weights w) {
        long[] tf = spectrogramSize(r);
        String kind = r.audio().backbone();
        String norm = r.image().norm();
        String audioNorm = norm.equals("frozen-batch") && r.audio().pretrained().isEmpty() ? "batch" : norm;
        return new AudioBackbone(w.child("audio"), kind, r.audio().channels(), r.audio().width(), audioNorm,
                AudioBackbone.tokenStride(kind, tf[0], tf[1]), r.decoder().hiddenDim(), r.queries().dim());
    }

    /**
     * (T, F) the audio backbone sees: audio.frames / audio.bins, or the STFT's (centred) frame count and its bin
     * count (the mel bands with the log-mel front-end).
     */
    static long[] spectrogramSize(Recipe r) {
        long t = r.audio().frames();
        if (t == 0) {
            t = (long) Math.floor(r.audio().sampleRate() * r.audio().secondsPerFrame()) / r.audio().hop() + 1;
        }
        long f = r.audio().bins();
        if (f == 0) {
            f = r.audio().logMel() ? r.audio().melBands() : r.audio().nFft() / 2 + 1;
        }
        return new long[] {t, f};
    }

    /** Backbone and FPN pixel decoder. @param images (B, 3, H, W) normalised */
    public ImageFeatures encodeImage(NDArray images, boolean training) {
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("images: found shape " + s + ", expected (B, 3, H, W)");
        }
        return pixelDecoder.forward(imageBackbone.forward(images, training), training);
    }

    /** @param spec (B, C, T, F) backbone input, C = audio.channels */
    public AudioFeatures encodeAudio(NDArray spec, boolean training) {
        return audioBackbone.forward(spec, training);
    }

    /** The class-agnostic workflow: the N learnable queries (feature + positional embedding). */
    public DecoderOutput decodeQueries(ImageFeatures img, AudioFeatures aud, boolean training) {
        NDManager m = img.maskFeatures().getManager();
        long b = img.maskFeatures().getShape().get(0);
        NDArray tgt = m.zeros(new Shape(b, queries, dim)).add(queryFeat);
        NDArray pos = m.zeros(new Shape(1, queries, dim)).add(queryPos);
        return decoder.forward(tgt, pos, img, aud, this::classifier, training);
    }

    /**
     * The CPM workflow: class-conditional prompts (B, K, D) in the GMM's space, projected to the decoder width by
     * a learned linear map; positional embeddings per cpm.promptPos (class: looked up by promptClasses (B, K)
     * int64). Same decoder weights, separate pass (prompts never see the learnable queries).
     */
    public DecoderOutput decodePrompts(NDArray prompts, NDArray promptClasses, ImageFeatures img, AudioFeatures aud,
            boolean training) {
        Shape ps = prompts.getShape();
        Shape cs = promptClasses.getShape();
        if (ps.dimension() != 3 || ps.get(2) != promptDim || cs.dimension() != 2 || cs.get(0) != ps.get(0)
                || cs.get(1) != ps.get(1)) {
            throw new IllegalArgumentException("prompts " + ps + " / promptClasses " + cs + ": expected (B, K, "
                    + promptDim + ") and (B, K)");
        }
        NDArray tgt = promptProj.forward(promptScale == 1f ? prompts : prompts.mul(Scalars.of(promptScale)));
        NDManager m = prompts.getManager();
        NDArray pos = switch (promptPosKind) {
            case "class" -> oneHot(promptClasses).matMul(promptPos);
            case "shared" -> m.zeros(new Shape(1, ps.get(1), dim)).add(promptPos);
            default -> m.zeros(new Shape(1, ps.get(1), dim));
        };
        return decoder.forward(tgt, pos, img, aud, this::classifier, training);
    }

    private NDArray oneHot(NDArray classes) {
        return classes.toType(DataType.INT64, false).oneHot(numClasses).toType(DataType.FLOAT32, false);
    }

    /**
     * ACP's audio masks (Eq. 5): m_k^a = q~_k . u~_a, per time-frequency bin of the decoded audio map, resized
     * bilinearly to the spectrogram's (t, f).
     *
     * @param maskEmbed (B, K, D_q)
     * @return (B, K, t, f) logits
     */
    public NDArray audioMasks(NDArray maskEmbed, AudioFeatures aud, long t, long f) {
        Shape ds = aud.decoded().getShape();
        long b = ds.get(0);
        long k = maskEmbed.getShape().get(1);
        NDArray m = cpm.nn.Precision.matMul(maskEmbed, aud.decoded().reshape(b, ds.get(1), ds.get(2) * ds.get(3)))
                .reshape(b, k, ds.get(2), ds.get(3));
        return Resize.bilinear(m, t, f);
    }

    /** The dimension D of prompts: the space the GMM models (classifier.space). */
    public long promptDim() {
        return promptDim;
    }

    /** The learned point representation (Table 5 "Point Rep."): rows of the (C, D) parameter for (B, K) classes. */
    public NDArray pointPrompts(NDArray promptClasses) {
        return oneHot(promptClasses).matMul(pointRep);
    }

    /**
     * Replaces the class head (e.g. the CCDM GMM classifier). The default softmax head's parameters
     * ({@code classHead.*}) are frozen when another classifier takes its place, so they are not left without
     * gradients in the optimiser.
     */
    public void setClassifier(Classifier c) {
        if (c.numClasses() != numClasses) {
            throw new IllegalArgumentException("classifier has " + c.numClasses() + " classes, the model " + numClasses);
        }
        if (c != softmax) {
            weights.freeze("classHead.");
        }
        this.classifier = c;
    }

    public Classifier classifier() {
        return classifier;
    }

    public Weights weights() {
        return weights;
    }

    ImageBackbone imageBackbone() {
        return imageBackbone;
    }

    public Recipe recipe() {
        return recipe;
    }

    public int numClasses() {
        return numClasses;
    }

    /** 8 or 16: the stride of u_a (16 when stride 8 would give more than 1024 audio tokens). */
    public int audioTokenStride() {
        return tokenStride;
    }

    /**
     * Operations (2 x multiply-adds of convolutions and matrix products) of one image's class-agnostic forward
     * at image.size and the recipe's spectrogram size: image backbone, pixel decoder, audio encoder and decoder,
     * transformer decoder with every prediction head (the class head counted as the softmax linear map).
     * Norms, activations, softmax and resizing are not counted.
     */
    public long flopsPerImage() {
        long size = recipe.image().size();
        long[][] sizes = new long[4][];
        long h = Flops.out(Flops.out(size, 7, 2), 3, 2);
        long w = h;
        sizes[0] = new long[] {h, w};
        for (int s = 1; s < 4; s++) {
            h = Flops.out(h, 3, 2);
            w = Flops.out(w, 3, 2);
            sizes[s] = new long[] {h, w};
        }
        int scales = recipe.pixelDecoder().scales();
        long[] memTokens = new long[scales];
        for (int s = 0; s < scales; s++) {
            memTokens[s] = sizes[3 - s][0] * sizes[3 - s][1];
        }
        long[] tf = spectrogramSize(recipe);
        long[] grid = audioBackbone.tokenGrid(tf[0], tf[1]);
        return imageBackbone.flops(size, size) + pixelDecoder.flops(sizes) + audioBackbone.flops(tf[0], tf[1])
                + decoder.flops(queries, memTokens, grid[0] * grid[1], sizes[0][0] * sizes[0][1], numClasses);
    }

    /**
     * Loads pretrained image-backbone weights (.safetensors or .npz; ResNet names per image.pretrainedNames,
     * docs/weights.md): all or nothing; the report is kept ({@link #pretrainedReports}).
     */
    public WeightsReport loadPretrained(Path file) {
        WeightsReport rep = PretrainedLoader.load(weights, IMAGE, IMAGE_PART, file, recipe.image().pretrainedNames());
        reports.add(rep);
        return rep;
    }

    /** Loads pretrained audio-encoder weights (under {@code audio.backbone.}; an RGB conv1 is adapted). */
    public WeightsReport loadPretrainedAudio(Path file) {
        WeightsReport rep = PretrainedLoader.load(weights, AUDIO, AUDIO_PART, file, recipe.audio().pretrainedNames());
        reports.add(rep);
        return rep;
    }

    /** The reports of the pretrained files loaded so far (image.pretrained, audio.pretrained), in load order. */
    public List<WeightsReport> pretrainedReports() {
        return List.copyOf(reports);
    }

    /**
     * The report of loading {@code file} into the {@code part} ("image" or "audio") of a model of {@code r},
     * without training or copying: only that backbone is built. {@code names} overrides the recipe's naming field
     * when not null. A failed match is in the report ({@link WeightsReport#problem()}), not thrown; an unreadable
     * file is thrown.
     */
    public static WeightsReport checkPretrained(Recipe r, String part, Path file, String names) {
        try (Weights w = new Weights(ai.djl.ndarray.NDManager.newBaseManager(), r.run().seed())) {
            if (part.equals("image")) {
                imageBackbone(r, w);
                return PretrainedLoader.check(w, IMAGE, IMAGE_PART, file,
                        names != null ? names : r.image().pretrainedNames());
            }
            if (part.equals("audio")) {
                audioBackbone(r, w);
                return PretrainedLoader.check(w, AUDIO, AUDIO_PART, file,
                        names != null ? names : r.audio().pretrainedNames());
            }
            throw new IllegalArgumentException("part: found \"" + part + "\", expected image or audio");
        }
    }

    /** Restarts the decoder's dropout masks from {@code seed}; training calls it every step with (run.seed, step). */
    public void reseedDropout(long seed) {
        decoder.reseedDropout(seed);
    }
}
