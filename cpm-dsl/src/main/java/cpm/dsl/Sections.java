package cpm.dsl;

import java.util.List;

/**
 * Typed, read-only views of a recipe's sections: {@code recipe.decoder().heads()} instead of
 * {@code recipe.getInt("decoder.heads")}. One record per section of {@link RecipeSchema}; each component is named
 * after the field's key, so {@code Sections.Decoder.heads} is the field {@code decoder.heads}. A test checks that
 * every schema field has its component.
 */
public final class Sections {

    private Sections() {
    }

    /** {@code image.*}: the image backbone (Sec. 3.1, ResNet-50 in the paper). */
    public record Image(String backbone, double width, int frozenStages, String norm, String pretrained,
                        String pretrainedNames, int size, boolean originalResolution) {
        static Image of(Recipe r) {
            return new Image(r.getString("image.backbone"), r.getDouble("image.width"), r.getInt("image.frozenStages"),
                    r.getString("image.norm"), r.getString("image.pretrained"), r.getString("image.pretrainedNames"),
                    r.getInt("image.size"), r.getBool("image.originalResolution"));
        }
    }

    /** {@code audio.*}: the spectrogram and the audio backbone. */
    public record Audio(String backbone, int width, int channels, int sampleRate, int nFft, int hop, String window,
                        int winLength, int bins, int frames, String scale, String frontEnd, int melBands, double melMin,
                        double melMax, double secondsPerFrame, String pretrained, String pretrainedNames) {
        static Audio of(Recipe r) {
            return new Audio(r.getString("audio.backbone"), r.getInt("audio.width"), r.getInt("audio.channels"),
                    r.getInt("audio.sampleRate"), r.getInt("audio.nFft"), r.getInt("audio.hop"),
                    r.getString("audio.window"), r.getInt("audio.winLength"), r.getInt("audio.bins"),
                    r.getInt("audio.frames"), r.getString("audio.scale"), r.getString("audio.frontEnd"),
                    r.getInt("audio.melBands"), r.getDouble("audio.melMin"), r.getDouble("audio.melMax"),
                    r.getDouble("audio.secondsPerFrame"), r.getString("audio.pretrained"),
                    r.getString("audio.pretrainedNames"));
        }

        /** True when the backbone sees the log-mel front-end (audio.frontEnd logmel). */
        public boolean logMel() {
            return frontEnd.equals("logmel");
        }
    }

    /** {@code pixelDecoder.*}: the multi-scale pixel decoder. */
    public record PixelDecoder(String kind, int hiddenDim, int scales) {
        static PixelDecoder of(Recipe r) {
            return new PixelDecoder(r.getString("pixelDecoder.kind"), r.getInt("pixelDecoder.hiddenDim"),
                    r.getInt("pixelDecoder.scales"));
        }
    }

    /** {@code decoder.*}: the transformer decoder, audio layers then visual layers (Fig. 2). */
    public record Decoder(int audioLayers, int visualLayers, int heads, int hiddenDim, int ffnDim,
                          boolean maskedAttention, double dropout, String norm) {
        static Decoder of(Recipe r) {
            return new Decoder(r.getInt("decoder.audioLayers"), r.getInt("decoder.visualLayers"),
                    r.getInt("decoder.heads"), r.getInt("decoder.hiddenDim"), r.getInt("decoder.ffnDim"),
                    r.getBool("decoder.maskedAttention"), r.getDouble("decoder.dropout"), r.getString("decoder.norm"));
        }
    }

    /** {@code queries.*}: N class-agnostic queries of dimension D_q. */
    public record Queries(int count, int dim) {
        static Queries of(Recipe r) {
            return new Queries(r.getInt("queries.count"), r.getInt("queries.dim"));
        }
    }

    /** {@code classifier.*}: softmax (point representation) or the class-conditional GMM (CCDM, Eq. 1-4). */
    public record Classifier(String kind, int components, String covariance, int bankSize, double momentum,
                             int emIterations, int updateInterval, double varianceFloor, String variance,
                             double temperature, int noObjectSamples, String space, String head,
                             String componentScore, String unfitted, String em,
                             String enqueue, String noObject, double lrMultiplier, String firstFit) {
        static Classifier of(Recipe r) {
            return new Classifier(r.getString("classifier.kind"), r.getInt("classifier.components"),
                    r.getString("classifier.covariance"), r.getInt("classifier.bankSize"),
                    r.getDouble("classifier.momentum"), r.getInt("classifier.emIterations"),
                    r.getInt("classifier.updateInterval"), r.getDouble("classifier.varianceFloor"),
                    r.getString("classifier.variance"), r.getDouble("classifier.temperature"),
                    r.getInt("classifier.noObjectSamples"), r.getString("classifier.space"),
                    r.getString("classifier.head"), r.getString("classifier.componentScore"),
                    r.getString("classifier.unfitted"),
                    r.getString("classifier.em"), r.getString("classifier.enqueue"),
                    r.getString("classifier.noObject"), r.getDouble("classifier.lrMultiplier"),
                    r.getString("classifier.firstFit"));
        }

        /** The GMM models the decoder output (query space) rather than the post-MLP mask embedding. */
        public boolean querySpace() {
            return space.equals("query");
        }

        /** GMMSeg's head: feature LayerNorm + L2, unit means, class-axis LayerNorm before the CE. */
        public boolean layerNormHead() {
            return head.equals("layernorm");
        }

        /** True for the class-conditional distribution model (CCDM). */
        public boolean gmm() {
            return kind.equals("gmm");
        }
    }

    /** {@code cpm.*}: the CPM training tasks (Sec. 3.2: VCP Eq. 6, ACP Eq. 5, PCL Eq. 7-9). */
    public record Cpm(boolean vcp, double vcpWeight, boolean acp, double acpWeight, boolean pcl, double pclWeight,
                      double lambda, int promptsPerClass, double tau, int pclPixels, String noise, double mixGain,
                      int warmupSteps, String promptSampling, String promptPos, String acpLoss,
                      String pclNegatives) {
        static Cpm of(Recipe r) {
            return new Cpm(r.getBool("cpm.vcp"), r.getDouble("cpm.vcpWeight"), r.getBool("cpm.acp"),
                    r.getDouble("cpm.acpWeight"), r.getBool("cpm.pcl"), r.getDouble("cpm.pclWeight"),
                    r.getDouble("cpm.lambda"), r.getInt("cpm.promptsPerClass"), r.getDouble("cpm.tau"),
                    r.getInt("cpm.pclPixels"), r.getString("cpm.noise"), r.getDouble("cpm.mixGain"),
                    r.getInt("cpm.warmupSteps"), r.getString("cpm.promptSampling"), r.getString("cpm.promptPos"),
                    r.getString("cpm.acpLoss"), r.getString("cpm.pclNegatives"));
        }

        /** Whether any CPM task is on. */
        public boolean on() {
            return vcp || acp || pcl;
        }
    }

    /** {@code loss.*}: the class-agnostic loss l_agn = l_ce + l_mask (Sec. 3.1). */
    public record Loss(double ceWeight, double noObjectWeight, double focalWeight, double focalAlpha,
                       double focalGamma, double diceWeight, boolean deepSupervision) {
        static Loss of(Recipe r) {
            return new Loss(r.getDouble("loss.ceWeight"), r.getDouble("loss.noObjectWeight"),
                    r.getDouble("loss.focalWeight"), r.getDouble("loss.focalAlpha"), r.getDouble("loss.focalGamma"),
                    r.getDouble("loss.diceWeight"), r.getBool("loss.deepSupervision"));
        }
    }

    /** {@code matcher.*}: Hungarian matching costs. */
    public record Matcher(double classCost, double maskCost, double diceCost, int points) {
        static Matcher of(Recipe r) {
            return new Matcher(r.getDouble("matcher.classCost"), r.getDouble("matcher.maskCost"),
                    r.getDouble("matcher.diceCost"), r.getInt("matcher.points"));
        }
    }

    /** {@code data.*}: which data set, where, and how it is sampled. */
    public record Data(String kind, String preset, String path, int framesPerClip, int trainItems, int testItems,
                       boolean augment, double cropScale, String resize, List<String> classes, String audioPath,
                       String frameSampling) {
        static Data of(Recipe r) {
            return new Data(r.getString("data.kind"), r.getString("data.preset"), r.getString("data.path"),
                    r.getInt("data.framesPerClip"), r.getInt("data.trainItems"), r.getInt("data.testItems"),
                    r.getBool("data.augment"), r.getDouble("data.cropScale"), r.getString("data.resize"),
                    r.getList("data.classes"), r.getString("data.audioPath"), r.getString("data.frameSampling"));
        }

        /** True when training draws one labelled frame per clip per epoch (data.frameSampling randomLabelled). */
        public boolean randomLabelled() {
            return frameSampling.equals("randomLabelled");
        }

        /** True for the built-in synthetic benchmark. */
        public boolean synthetic() {
            return kind.equals("synthetic");
        }
    }

    /** {@code optim.*}: AdamW and its learning-rate schedule. */
    public record Optim(double lr, double weightDecay, double backboneLrMultiplier, String schedule, double polyPower,
                        int warmupSteps, int steps, int batchSize, double gradClip) {
        static Optim of(Recipe r) {
            return new Optim(r.getDouble("optim.lr"), r.getDouble("optim.weightDecay"),
                    r.getDouble("optim.backboneLrMultiplier"), r.getString("optim.schedule"),
                    r.getDouble("optim.polyPower"), r.getInt("optim.warmupSteps"), r.getInt("optim.steps"),
                    r.getInt("optim.batchSize"), r.getDouble("optim.gradClip"));
        }
    }

    /** {@code eval.*}: the evaluation protocol (docs/datasets.md) and its schedule. */
    public record Eval(String protocol, String subset, double betaSquared, int interval, int maxItems,
                       int valInterval) {
        static Eval of(Recipe r) {
            return new Eval(r.getString("eval.protocol"), r.getString("eval.subset"), r.getDouble("eval.betaSquared"),
                    r.getInt("eval.interval"), r.getInt("eval.maxItems"), r.getInt("eval.valInterval"));
        }

        /** True when only CAVP's multi-source ("MS") frames are scored. */
        public boolean msSubset() {
            return subset.equals("ms");
        }

        /** The name every printed number and CSV carries: the protocol, with /ms for the MS subset. */
        public String label() {
            return msSubset() ? protocol + "/ms" : protocol;
        }

        /** True for the per-image protocol of AVSBench-Objects. */
        public boolean perImage() {
            return protocol.equals("per-image");
        }
    }

    /** {@code run.*}: seed, device, precision and bookkeeping. */
    public record Run(int seed, String device, int threads, int checkpointInterval, int logInterval, int pictures,
                      String precision) {
        static Run of(Recipe r) {
            return new Run(r.getInt("run.seed"), r.getString("run.device"), r.getInt("run.threads"),
                    r.getInt("run.checkpointInterval"), r.getInt("run.logInterval"), r.getInt("run.pictures"),
                    r.getString("run.precision"));
        }

        /** The GPU index run.device names (gpu = gpu:0), or -1 for cpu and auto (RecipeRules checked the form). */
        public int gpuIndex() {
            return device.equals("gpu") ? 0 : device.startsWith("gpu:") ? Integer.parseInt(device.substring(4)) : -1;
        }
    }
}
