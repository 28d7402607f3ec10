package cpm.dsl;

import java.util.List;

/**
 * The fluent section builders behind {@link RecipeBuilder#image}, {@link RecipeBuilder#decoder} and the others: one
 * method per field of the section, named after the field's key, plus a few phrases that set several fields at once
 * ({@code classifier.gmm(3)}, {@code cpm.off()}, {@code data.avss(path)}, {@code optim.poly(0.9)}). Each method only
 * records the value by its path; {@link RecipeBuilder#build()} checks ranges and rules, so
 * {@code b.decoder(d -> d.heads(4))} and {@code b.set("decoder.heads", 4)} are the same thing. Choices take the
 * strings listed in {@link RecipeSchema}.
 */
public final class SectionBuilders {

    private SectionBuilders() {
    }

    /** Common part: records {@code section.key = value} on the recipe builder. */
    abstract static class Part<S extends Part<S>> {
        private final RecipeBuilder builder;
        private final String section;

        Part(RecipeBuilder builder, String section) {
            this.builder = builder;
            this.section = section;
        }

        @SuppressWarnings("unchecked")
        final S put(String key, Object value) {
            builder.set(section + "." + key, value);
            return (S) this;
        }
    }

    /** {@code image.*}. */
    public static final class Image extends Part<Image> {
        Image(RecipeBuilder b) {
            super(b, "image");
        }

        /** resnet18, resnet34 or resnet50. */
        public Image backbone(String v) { return put("backbone", v); }
        public Image width(double v) { return put("width", v); }
        public Image frozenStages(int v) { return put("frozenStages", v); }
        /** batch, group or frozen-batch. */
        public Image norm(String v) { return put("norm", v); }
        public Image pretrained(String file) { return put("pretrained", file); }
        /** auto, torchvision, timm or transformers: the tensor names of the pretrained file. */
        public Image pretrainedNames(String v) { return put("pretrainedNames", v); }
        public Image size(int v) { return put("size", v); }
        public Image originalResolution(boolean v) { return put("originalResolution", v); }
    }

    /** {@code audio.*}. */
    public static final class Audio extends Part<Audio> {
        Audio(RecipeBuilder b) {
            super(b, "audio");
        }

        /** cnn, resnet or resnet18. */
        public Audio backbone(String v) { return put("backbone", v); }
        public Audio width(int v) { return put("width", v); }
        public Audio channels(int v) { return put("channels", v); }
        /** One input channel. */
        public Audio mono() { return channels(1); }
        /** Two input channels (VPO, the synthetic stereo preset). */
        public Audio stereo() { return channels(2); }
        public Audio sampleRate(int v) { return put("sampleRate", v); }
        public Audio nFft(int v) { return put("nFft", v); }
        public Audio hop(int v) { return put("hop", v); }
        /** hann, hamming or rect. */
        public Audio window(String v) { return put("window", v); }
        /** The window's length inside nFft (0: nFft). */
        public Audio winLength(int v) { return put("winLength", v); }
        public Audio bins(int v) { return put("bins", v); }
        public Audio frames(int v) { return put("frames", v); }
        /** magnitude or log. */
        public Audio scale(String v) { return put("scale", v); }
        /** spectrogram or logmel. */
        public Audio frontEnd(String v) { return put("frontEnd", v); }
        /** CAVP's log-mel front-end: 64 bands from 125 to 3800 Hz, a 400-sample window in a 512-point FFT, hop 160. */
        public Audio cavpLogMel() {
            return frontEnd("logmel").melBands(64).melMin(125).melMax(3800).nFft(512).winLength(400).hop(160);
        }
        public Audio melBands(int v) { return put("melBands", v); }
        public Audio melMin(double v) { return put("melMin", v); }
        public Audio melMax(double v) { return put("melMax", v); }
        public Audio secondsPerFrame(double v) { return put("secondsPerFrame", v); }
        public Audio pretrained(String file) { return put("pretrained", file); }
        /** auto, torchvision, timm or transformers: the tensor names of the pretrained file. */
        public Audio pretrainedNames(String v) { return put("pretrainedNames", v); }
    }

    /** {@code pixelDecoder.*}. */
    public static final class PixelDecoder extends Part<PixelDecoder> {
        PixelDecoder(RecipeBuilder b) {
            super(b, "pixelDecoder");
        }

        /** fpn. */
        public PixelDecoder kind(String v) { return put("kind", v); }
        public PixelDecoder hiddenDim(int v) { return put("hiddenDim", v); }
        public PixelDecoder scales(int v) { return put("scales", v); }
    }

    /** {@code decoder.*}. */
    public static final class Decoder extends Part<Decoder> {
        Decoder(RecipeBuilder b) {
            super(b, "decoder");
        }

        public Decoder audioLayers(int v) { return put("audioLayers", v); }
        public Decoder visualLayers(int v) { return put("visualLayers", v); }
        public Decoder heads(int v) { return put("heads", v); }
        public Decoder hiddenDim(int v) { return put("hiddenDim", v); }
        public Decoder ffnDim(int v) { return put("ffnDim", v); }
        public Decoder maskedAttention(boolean v) { return put("maskedAttention", v); }
        public Decoder dropout(double v) { return put("dropout", v); }
        /** pre or post. */
        public Decoder norm(String v) { return put("norm", v); }
    }

    /** {@code queries.*}. */
    public static final class Queries extends Part<Queries> {
        Queries(RecipeBuilder b) {
            super(b, "queries");
        }

        public Queries count(int v) { return put("count", v); }
        public Queries dim(int v) { return put("dim", v); }
    }

    /** {@code classifier.*}. */
    public static final class Classifier extends Part<Classifier> {
        Classifier(RecipeBuilder b) {
            super(b, "classifier");
        }

        /** softmax or gmm. */
        public Classifier kind(String v) { return put("kind", v); }
        /** The point representation: a linear softmax classifier. */
        public Classifier softmax() { return kind("softmax"); }
        /** The class-conditional distribution model (CCDM, Eq. 1-4) with the current number of components. */
        public Classifier gmm() { return kind("gmm"); }
        /** CCDM with M Gaussian components per class. */
        public Classifier gmm(int components) { return gmm().components(components); }
        public Classifier components(int v) { return put("components", v); }
        /** diagonal or full. */
        public Classifier covariance(String v) { return put("covariance", v); }
        public Classifier bankSize(int v) { return put("bankSize", v); }
        public Classifier momentum(double v) { return put("momentum", v); }
        public Classifier emIterations(int v) { return put("emIterations", v); }
        public Classifier updateInterval(int v) { return put("updateInterval", v); }
        public Classifier varianceFloor(double v) { return put("varianceFloor", v); }
        public Classifier temperature(double v) { return put("temperature", v); }
        public Classifier noObjectSamples(int v) { return put("noObjectSamples", v); }
        /** add or clamp. */
        public Classifier variance(String v) { return put("variance", v); }
        /** query or maskEmbed. */
        public Classifier space(String v) { return put("space", v); }
        /** layernorm or raw. */
        public Classifier head(String v) { return put("head", v); }
        /** max or logsumexp. */
        public Classifier componentScore(String v) { return put("componentScore", v); }
        /** shared, mask or unit. */
        public Classifier unfitted(String v) { return put("unfitted", v); }
        /** blend or replace. */
        public Classifier firstFit(String v) { return put("firstFit", v); }
        /** sinkhorn or soft. */
        public Classifier em(String v) { return put("em", v); }
        /** all or correct. */
        public Classifier enqueue(String v) { return put("enqueue", v); }
        public Classifier lrMultiplier(double v) { return put("lrMultiplier", v); }
        /** mixture, linear or prior. */
        public Classifier noObject(String v) { return put("noObject", v); }
        /**
         * The classifier as it was before GMMSeg's head (toolkit 0.x): raw log-likelihoods of the post-MLP mask
         * embedding, clamped variances, soft EM, logsumexp over components, variance 1 before the first fit.
         */
        public Classifier legacy() {
            return space("maskEmbed").head("raw").variance("clamp").componentScore("logsumexp").unfitted("unit")
                    .em("soft").noObject("mixture").enqueue("all").firstFit("replace").lrMultiplier(1);
        }
    }

    /** {@code cpm.*}. */
    public static final class Cpm extends Part<Cpm> {
        Cpm(RecipeBuilder b) {
            super(b, "cpm");
        }

        public Cpm vcp(boolean on) { return put("vcp", on); }
        /** VCP on with this loss weight. */
        public Cpm vcp(double weight) { return vcp(true).vcpWeight(weight); }
        public Cpm vcpWeight(double v) { return put("vcpWeight", v); }
        public Cpm acp(boolean on) { return put("acp", on); }
        /** ACP on with this loss weight. */
        public Cpm acp(double weight) { return acp(true).acpWeight(weight); }
        public Cpm acpWeight(double v) { return put("acpWeight", v); }
        public Cpm pcl(boolean on) { return put("pcl", on); }
        /** PCL on with this loss weight. */
        public Cpm pcl(double weight) { return pcl(true).pclWeight(weight); }
        public Cpm pclWeight(double v) { return put("pclWeight", v); }
        /** All three tasks on (weights unchanged). */
        public Cpm on() { return vcp(true).acp(true).pcl(true); }
        /** All three tasks off: the class-agnostic workflow only. */
        public Cpm off() { return vcp(false).acp(false).pcl(false); }
        public Cpm lambda(double v) { return put("lambda", v); }
        public Cpm promptsPerClass(int v) { return put("promptsPerClass", v); }
        public Cpm tau(double v) { return put("tau", v); }
        public Cpm pclPixels(int v) { return put("pclPixels", v); }
        /** auto, or a folder of WAV files. */
        public Cpm noise(String v) { return put("noise", v); }
        public Cpm mixGain(double v) { return put("mixGain", v); }
        public Cpm warmupSteps(int v) { return put("warmupSteps", v); }
        /** fitted or floored. */
        public Cpm promptSampling(String v) { return put("promptSampling", v); }
        /** shared, class or zero. */
        public Cpm promptPos(String v) { return put("promptPos", v); }
        /** l2 or mse. */
        public Cpm acpLoss(String v) { return put("acpLoss", v); }
        /** batch or image. */
        public Cpm pclNegatives(String v) { return put("pclNegatives", v); }
        /** The prompts and losses as they were before the rework (toolkit 0.x). */
        public Cpm legacy() {
            return promptSampling("floored").promptPos("class").acpLoss("mse").pclNegatives("image");
        }
    }

    /** {@code loss.*}. */
    public static final class Loss extends Part<Loss> {
        Loss(RecipeBuilder b) {
            super(b, "loss");
        }

        public Loss ceWeight(double v) { return put("ceWeight", v); }
        public Loss noObjectWeight(double v) { return put("noObjectWeight", v); }
        public Loss focalWeight(double v) { return put("focalWeight", v); }
        public Loss focalAlpha(double v) { return put("focalAlpha", v); }
        public Loss focalGamma(double v) { return put("focalGamma", v); }
        public Loss diceWeight(double v) { return put("diceWeight", v); }
        public Loss deepSupervision(boolean v) { return put("deepSupervision", v); }
    }

    /** {@code matcher.*}. */
    public static final class Matcher extends Part<Matcher> {
        Matcher(RecipeBuilder b) {
            super(b, "matcher");
        }

        public Matcher classCost(double v) { return put("classCost", v); }
        public Matcher maskCost(double v) { return put("maskCost", v); }
        public Matcher diceCost(double v) { return put("diceCost", v); }
        /** Sampled points (0: all pixels). */
        public Matcher points(int v) { return put("points", v); }
    }

    /** {@code data.*}. */
    public static final class Data extends Part<Data> {
        Data(RecipeBuilder b) {
            super(b, "data");
        }

        /** synthetic, avss, s4, ms3, vpo-ss, vpo-ms or vpo-msmi. */
        public Data kind(String v) { return put("kind", v); }
        /** ss, ms, semantic or stereo (synthetic data only). */
        public Data preset(String v) { return put("preset", v); }
        public Data path(String v) { return put("path", v); }
        /** The built-in synthetic benchmark with this preset. */
        public Data synthetic(String preset) { return kind("synthetic").preset(preset); }
        /** AVSBench-Semantics at this root. */
        public Data avss(String root) { return kind("avss").path(root); }
        /** AVSBench-Objects single source at this root. */
        public Data s4(String root) { return kind("s4").path(root); }
        /** AVSBench-Objects multi source at this root. */
        public Data ms3(String root) { return kind("ms3").path(root); }
        /** VPO single source: the VPO root (holding VPO-SS/) and the VGGSound folder (holding audios/). */
        public Data vpoSs(String root, String vggsound) { return kind("vpo-ss").path(root).audioPath(vggsound); }
        /** VPO multi source: the VPO root (holding VPO-MS/) and the VGGSound folder. */
        public Data vpoMs(String root, String vggsound) { return kind("vpo-ms").path(root).audioPath(vggsound); }
        /** VPO multi source, multiple instances: the VPO root (holding VPO-MSMI/ and VPO-MS/) and VGGSound. */
        public Data vpoMsmi(String root, String vggsound) { return kind("vpo-msmi").path(root).audioPath(vggsound); }
        /** The VGGSound folder holding audios/<vgg_file>.wav (VPO's audio). */
        public Data audioPath(String v) { return put("audioPath", v); }
        public Data framesPerClip(int v) { return put("framesPerClip", v); }
        public Data trainItems(int v) { return put("trainItems", v); }
        public Data testItems(int v) { return put("testItems", v); }
        public Data augment(boolean v) { return put("augment", v); }
        public Data cropScale(double v) { return put("cropScale", v); }
        /** squash, pad or crop: how frames become image.size squares. */
        public Data resize(String v) { return put("resize", v); }
        /** all or randomLabelled: which labelled frames a training epoch visits. */
        public Data frameSampling(String v) { return put("frameSampling", v); }
        /** Class names, background first. */
        public Data classes(String... names) { return put("classes", List.of(names)); }
        public Data classes(List<String> names) { return put("classes", names); }
    }

    /** {@code optim.*}. */
    public static final class Optim extends Part<Optim> {
        Optim(RecipeBuilder b) {
            super(b, "optim");
        }

        /** AdamW (the only optimiser) with this learning rate. */
        public Optim adamw(double lr) { return lr(lr); }
        public Optim lr(double v) { return put("lr", v); }
        public Optim weightDecay(double v) { return put("weightDecay", v); }
        public Optim backboneLrMultiplier(double v) { return put("backboneLrMultiplier", v); }
        /** poly, cosine or constant. */
        public Optim schedule(String v) { return put("schedule", v); }
        /** The poly schedule with this power. */
        public Optim poly(double power) { return schedule("poly").polyPower(power); }
        public Optim cosine() { return schedule("cosine"); }
        public Optim constant() { return schedule("constant"); }
        public Optim polyPower(double v) { return put("polyPower", v); }
        public Optim warmupSteps(int v) { return put("warmupSteps", v); }
        public Optim steps(int v) { return put("steps", v); }
        public Optim batchSize(int v) { return put("batchSize", v); }
        public Optim gradClip(double v) { return put("gradClip", v); }
    }

    /** {@code eval.*}. */
    public static final class Eval extends Part<Eval> {
        Eval(RecipeBuilder b) {
            super(b, "eval");
        }

        /** per-dataset, per-image or cavp. */
        public Eval protocol(String v) { return put("protocol", v); }
        /** CAVP's per-dataset rule: mean IoU over all classes, an absent class counting 0. */
        public Eval cavp() { return protocol("cavp"); }
        /** all, or ms: only CAVP's multi-source frames (more than 2 labels of more than 100 pixels each). */
        public Eval subset(String v) { return put("subset", v); }
        /** AVSBench-Objects' per-image mIoU and F-measure (binary labels). */
        public Eval perImage() { return protocol("per-image"); }
        /** PASCAL VOC style accumulation over the whole test set. */
        public Eval perDataset() { return protocol("per-dataset"); }
        public Eval betaSquared(double v) { return put("betaSquared", v); }
        public Eval interval(int v) { return put("interval", v); }
        public Eval maxItems(int v) { return put("maxItems", v); }
        /** Evaluate on val every v steps and keep the best checkpoint by val mIoU (0: off). */
        public Eval valInterval(int v) { return put("valInterval", v); }
    }

    /** {@code run.*}. */
    public static final class Run extends Part<Run> {
        Run(RecipeBuilder b) {
            super(b, "run");
        }

        public Run seed(int v) { return put("seed", v); }
        /** auto, cpu, gpu or gpu:N. */
        public Run device(String v) { return put("device", v); }
        public Run cpu() { return device("cpu"); }
        public Run gpu() { return device("gpu"); }
        public Run gpu(int index) { return device("gpu:" + index); }
        /** fp32 or bf16. */
        public Run precision(String v) { return put("precision", v); }
        public Run bf16() { return precision("bf16"); }
        public Run threads(int v) { return put("threads", v); }
        public Run checkpointInterval(int v) { return put("checkpointInterval", v); }
        public Run logInterval(int v) { return put("logInterval", v); }
        public Run pictures(int v) { return put("pictures", v); }
    }
}
