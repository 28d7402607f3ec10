package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import cpm.nn.Conv;
import cpm.nn.Norm;
import cpm.nn.Resize;
import cpm.nn.SineEncoding;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * The audio encoder of Fig. 2: a CNN over the spectrogram (B, C, T, F) giving u_a, projected to the decoder
 * width and flattened to tokens for the decoder's audio layers, and an audio pixel decoder (FPN-style
 * top-down path, bilinear upsampling + 3x3 convolution, since the engine has no deconvolution) giving the
 * decoded map u~_a with D_q channels at 1/4 of the spectrogram resolution, which ACP probes (Eq. 5).
 * Families: "cnn" (VGG-like stages of two conv-norm-ReLU, the first with stride 2) and "resnet" (a 3x3 stem
 * and one basic residual block per stage, torchvision names {@code conv1, bn1, layerK.0...}): stage k has stride
 * 2^k and width {@code audio.width * 2^(k-1)}; u_a is the last stage (stride 8, or 16). "resnet18" is torchvision's
 * ResNet-18 on 1 or 2 input channels (CAVP's audio backbone for 3-s and stereo audio; {@link ImageBackbone} with
 * width audio.width / 64, so ImageNet weights fit at the default 64, conv1 adapted by {@link PretrainedLoader}):
 * its stages have strides 4 to 32 and u_a is layer4, at stride 32.
 */
public final class AudioBackbone {

    private final String kind;
    private final int stages;
    private final long[] stageChannels;
    private final long inChannels;
    private final long width;
    // cnn
    private final List<Conv[]> cnnConvs = new ArrayList<>();
    private final List<Norm[]> cnnNorms = new ArrayList<>();
    // resnet18
    private final ImageBackbone resnet18;
    private final int tokenStride;
    /** The stage at stride 4, where the audio pixel decoder ends. */
    private final int stride4;
    // resnet
    private final Conv stem;
    private final Norm stemNorm;
    private final List<ResidualBlock> blocks = new ArrayList<>();
    // projection and pixel decoder
    private final Conv proj;
    private final List<Conv> lateral = new ArrayList<>();
    private final List<Norm> lateralNorm = new ArrayList<>();
    private final List<Conv> output = new ArrayList<>();
    private final List<Norm> outputNorm = new ArrayList<>();
    private final Conv decodedProj;
    private final long dim;
    private final long maskDim;

    /**
     * @param w          view under which names are created ("audio"); the encoder lives under "backbone"
     * @param kind       audio.backbone: cnn, resnet or resnet18
     * @param inChannels audio.channels
     * @param width      audio.width
     * @param norm       batch, frozen-batch or group
     * @param tokenStride 8 or 16: the stride of u_a ({@link #tokenStride(String, long, long)}; 32 for resnet18)
     * @param dim        decoder.hiddenDim D
     * @param maskDim    queries.dim D_q
     */
    public AudioBackbone(Weights w, String kind, long inChannels, long width, String norm, int tokenStride,
            long dim, long maskDim) {
        boolean r18 = kind.equals("resnet18");
        if (r18 ? tokenStride != 32 : tokenStride != 8 && tokenStride != 16) {
            throw new IllegalArgumentException("audio token stride must be " + (r18 ? "32" : "8 or 16") + " for "
                    + kind + ", got " + tokenStride);
        }
        this.tokenStride = tokenStride;
        this.stride4 = r18 ? 0 : 1;
        this.kind = kind;
        this.inChannels = inChannels;
        this.width = width;
        this.dim = dim;
        this.maskDim = maskDim;
        this.stages = tokenStride == 8 ? 3 : 4; // resnet18: 4 (strides 4, 8, 16, 32)
        this.stageChannels = new long[stages];
        Weights bw = w.child("backbone");
        long in = inChannels;
        switch (kind) {
            case "resnet18" -> {
                stem = null;
                stemNorm = null;
                resnet18 = new ImageBackbone(bw, "resnet18", width / 64.0, norm, 0, inChannels);
                System.arraycopy(resnet18.outChannels(), 0, stageChannels, 0, stages);
            }
            case "cnn" -> {
                resnet18 = null;
                stem = null;
                stemNorm = null;
                for (int s = 0; s < stages; s++) {
                    long c = width << s;
                    Weights sw = bw.child("stage" + (s + 1));
                    cnnConvs.add(new Conv[] {new Conv(sw.child("conv0"), in, c, 3, 2, false),
                            new Conv(sw.child("conv1"), c, c, 3, 1, false)});
                    cnnNorms.add(new Norm[] {new Norm(sw.child("norm0"), norm, c), new Norm(sw.child("norm1"), norm, c)});
                    stageChannels[s] = c;
                    in = c;
                }
            }
            case "resnet" -> {
                resnet18 = null;
                stem = new Conv(bw.child("conv1"), inChannels, width, 3, 1, false);
                stemNorm = new Norm(bw.child("bn1"), norm, width);
                in = width;
                for (int s = 0; s < stages; s++) {
                    long c = width << s;
                    blocks.add(new ResidualBlock(bw.child("layer" + (s + 1)).child("0"), norm, in, c, 2, false));
                    stageChannels[s] = c;
                    in = c;
                }
            }
            default -> throw new IllegalArgumentException("audio.backbone: found \"" + kind
                    + "\", expected cnn, resnet or resnet18");
        }
        proj = new Conv(w.child("proj"), stageChannels[stages - 1], dim, 1, 1, true);
        Weights dw = w.child("decoder");
        // top-down from u_a to stride 4: laterals of the stages at strides 2^(stages-1) ... 4
        for (int s = stages - 2, j = 0; s >= stride4; s--, j++) {
            lateral.add(new Conv(dw.child("lateral" + j), stageChannels[s], dim, 1, 1, false));
            lateralNorm.add(new Norm(dw.child("lateral" + j + "Norm"), "group", dim));
            output.add(new Conv(dw.child("output" + j), dim, dim, 3, 1, false));
            outputNorm.add(new Norm(dw.child("output" + j + "Norm"), "group", dim));
        }
        decodedProj = new Conv(dw.child("out"), dim, maskDim, 1, 1, true);
    }

    private List<NDArray> encode(NDArray spec, boolean training) {
        if (resnet18 != null) {
            return resnet18.forward(spec, training);
        }
        List<NDArray> outs = new ArrayList<>();
        NDArray x = spec;
        if (kind.equals("cnn")) {
            for (int s = 0; s < stages; s++) {
                for (int i = 0; i < 2; i++) {
                    x = Activation.relu(cnnNorms.get(s)[i].forward(cnnConvs.get(s)[i].forward(x), training));
                }
                outs.add(x);
            }
        } else {
            x = Activation.relu(stemNorm.forward(stem.forward(x), training));
            for (ResidualBlock b : blocks) {
                x = b.forward(x, training);
                outs.add(x);
            }
        }
        return outs;
    }

    /** @param spec (B, C, T, F) */
    public AudioFeatures forward(NDArray spec, boolean training) {
        Shape in = spec.getShape();
        if (in.dimension() != 4 || in.get(1) != inChannels) {
            throw new IllegalArgumentException("audio input: found shape " + in + ", expected (B, " + inChannels
                    + " (audio.channels), T, F)");
        }
        List<NDArray> feats = encode(spec, training);
        NDArray ua = proj.forward(feats.get(stages - 1));
        Shape s = ua.getShape();
        long b = s.get(0);
        long t = s.get(2);
        long f = s.get(3);
        NDArray tokens = ua.reshape(b, dim, t * f).transpose(0, 2, 1);
        NDArray pos = SineEncoding.tokens(ua.getManager(), t, f, dim);
        NDArray y = ua;
        for (int j = 0; j < lateral.size(); j++) {
            NDArray c = feats.get(stages - 2 - j);
            NDArray lat = lateralNorm.get(j).forward(lateral.get(j).forward(c), training);
            y = lat.add(Resize.bilinear(y, lat.getShape().get(2), lat.getShape().get(3)));
            y = Activation.relu(outputNorm.get(j).forward(output.get(j).forward(y), training));
        }
        NDArray decoded = decodedProj.forward(y);
        return new AudioFeatures(tokens, pos, ua, decoded);
    }

    /** Operation count for a (T, F) spectrogram. */
    long flops(long t, long f) {
        long total = 0;
        long[][] sizes = new long[stages][];
        long h = t;
        long w = f;
        long in = inChannels;
        if (resnet18 != null) {
            total += resnet18.flops(t, f);
            long[] hw = {Flops.out(Flops.out(t, 7, 2), 3, 2), Flops.out(Flops.out(f, 7, 2), 3, 2)};
            for (int s = 0; s < stages; s++) {
                hw = s == 0 ? hw : new long[] {Flops.out(hw[0], 3, 2), Flops.out(hw[1], 3, 2)};
                sizes[s] = hw;
            }
        } else if (kind.equals("cnn")) {
            for (int s = 0; s < stages; s++) {
                h = Flops.out(h, 3, 2);
                w = Flops.out(w, 3, 2);
                total += Flops.conv(in, stageChannels[s], 3, h, w) + Flops.conv(stageChannels[s], stageChannels[s], 3, h, w);
                sizes[s] = new long[] {h, w};
                in = stageChannels[s];
            }
        } else {
            total += Flops.conv(inChannels, width, 3, h, w);
            for (int s = 0; s < stages; s++) {
                total += blocks.get(s).flops(h, w);
                h = Flops.out(h, 3, 2);
                w = Flops.out(w, 3, 2);
                sizes[s] = new long[] {h, w};
            }
        }
        total += Flops.conv(stageChannels[stages - 1], dim, 1, sizes[stages - 1][0], sizes[stages - 1][1]);
        for (int j = 0; j < lateral.size(); j++) {
            long[] sz = sizes[stages - 2 - j];
            total += Flops.conv(stageChannels[stages - 2 - j], dim, 1, sz[0], sz[1]);
            total += Flops.conv(dim, dim, 3, sz[0], sz[1]);
        }
        total += Flops.conv(dim, maskDim, 1, sizes[stride4][0], sizes[stride4][1]);
        return total;
    }

    /** The stride of u_a: 8, 16 or 32. */
    int tokenStride() {
        return tokenStride;
    }

    /** (T', F') token grid size for a (T, F) input. */
    long[] tokenGrid(long t, long f) {
        return tokenGrid(kind, t, f, tokenStride);
    }

    static long[] tokenGrid(String kind, long t, long f, int tokenStride) {
        if (kind.equals("resnet18")) { // 7x7 stride-2 stem, 3x3 stride-2 max pool, three stride-2 stages
            t = Flops.out(Flops.out(t, 7, 2), 3, 2);
            f = Flops.out(Flops.out(f, 7, 2), 3, 2);
        }
        int n = kind.equals("resnet18") ? 3 : tokenStride == 8 ? 3 : 4;
        for (int i = 0; i < n; i++) {
            t = Flops.out(t, 3, 2);
            f = Flops.out(f, 3, 2);
        }
        return new long[] {t, f};
    }

    /**
     * The stride of u_a for a (T, F) spectrogram: 32 for resnet18 (its layer4); else 8, or 16 when stride 8 would
     * give more than 1024 audio tokens.
     */
    static int tokenStride(String kind, long t, long f) {
        if (kind.equals("resnet18")) {
            return 32;
        }
        long[] grid8 = tokenGrid(kind, t, f, 8);
        return grid8[0] * grid8[1] > 1024 ? 16 : 8;
    }
}
