package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import cpm.nn.Conv;
import cpm.nn.Norm;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * The image encoder of Sec. 3.1: a ResNet (18/34 basic blocks, 50 bottlenecks) with a channel width
 * multiplier, returning the features at strides 4, 8, 16 and 32. Parameter names follow torchvision
 * ({@code conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, ...}) so pretrained arrays map one to one.
 */
public final class ImageBackbone {

    private final Conv conv1;
    private final Norm bn1;
    private final long inChannels;
    private final long stemChannels;
    private final List<List<ResidualBlock>> stages = new ArrayList<>();
    private final long[] outChannels = new long[4];
    private final int frozenStages;

    /**
     * @param w            the view under which names are created (the model passes "backbone", group "backbone")
     * @param arch         resnet18, resnet34 or resnet50 (recipe image.backbone)
     * @param width        channel multiplier (image.width)
     * @param norm         batch, frozen-batch or group (image.norm)
     * @param frozenStages 0 none, 1 the stem, k the stem and layer1..layer(k-1) (image.frozenStages); these
     *                     run their batch norms in inference mode; freezing the weights is the model's job
     */
    public ImageBackbone(Weights w, String arch, double width, String norm, int frozenStages) {
        this(w, arch, width, norm, frozenStages, 3);
    }

    /**
     * The same network on {@code inChannels} input channels (the audio ResNet-18 takes a 1- or 2-channel
     * spectrogram).
     */
    ImageBackbone(Weights w, String arch, double width, String norm, int frozenStages, long inChannels) {
        int[] blocks;
        boolean bottleneck;
        switch (arch) {
            case "resnet18" -> { blocks = new int[] {2, 2, 2, 2}; bottleneck = false; }
            case "resnet34" -> { blocks = new int[] {3, 4, 6, 3}; bottleneck = false; }
            case "resnet50" -> { blocks = new int[] {3, 4, 6, 3}; bottleneck = true; }
            default -> throw new IllegalArgumentException("image.backbone: found \"" + arch
                    + "\", expected resnet18, resnet34 or resnet50");
        }
        this.frozenStages = frozenStages;
        this.inChannels = inChannels;
        this.stemChannels = channels(64, width);
        this.conv1 = new Conv(w.child("conv1"), inChannels, stemChannels, 7, 2, false);
        this.bn1 = new Norm(w.child("bn1"), norm, stemChannels);
        long in = stemChannels;
        for (int s = 0; s < 4; s++) {
            long planes = channels(64L << s, width);
            List<ResidualBlock> stage = new ArrayList<>();
            Weights sw = w.child("layer" + (s + 1));
            for (int b = 0; b < blocks[s]; b++) {
                ResidualBlock blk = new ResidualBlock(sw.child(String.valueOf(b)), norm, in, planes,
                        b == 0 && s > 0 ? 2 : 1, bottleneck);
                stage.add(blk);
                in = blk.outChannels();
            }
            stages.add(stage);
            outChannels[s] = in;
        }
    }

    static long channels(long base, double width) {
        return Math.max(1, Math.round(base * width));
    }

    /** Channels of the outputs at strides 4, 8, 16, 32. */
    public long[] outChannels() {
        return outChannels.clone();
    }

    /** @return the stage outputs at strides 4, 8, 16, 32 */
    public List<NDArray> forward(NDArray images, boolean training) {
        NDArray x = Activation.relu(bn1.forward(conv1.forward(images), training && frozenStages < 1));
        x = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        List<NDArray> outs = new ArrayList<>(4);
        for (int s = 0; s < 4; s++) {
            boolean stageTraining = training && frozenStages < s + 2;
            for (ResidualBlock b : stages.get(s)) {
                x = b.forward(x, stageTraining);
            }
            outs.add(x);
        }
        return outs;
    }

    /** Prefixes (relative to this backbone) of the frozen parts: conv1, bn1, layer1 ... */
    public static List<String> frozenPrefixes(int frozenStages) {
        List<String> p = new ArrayList<>();
        if (frozenStages >= 1) {
            p.add("conv1.");
            p.add("bn1.");
        }
        for (int s = 1; s <= Math.min(4, frozenStages - 1); s++) {
            p.add("layer" + s + ".");
        }
        return p;
    }

    long flops(long h, long w) {
        long ho = Flops.out(h, 7, 2);
        long wo = Flops.out(w, 7, 2);
        long f = Flops.conv(inChannels, stemChannels, 7, ho, wo);
        ho = Flops.out(ho, 3, 2);
        wo = Flops.out(wo, 3, 2);
        for (int s = 0; s < 4; s++) {
            for (ResidualBlock b : stages.get(s)) {
                f += b.flops(ho, wo);
                int stride = (s > 0 && b == stages.get(s).get(0)) ? 2 : 1;
                ho = Flops.out(ho, 3, stride);
                wo = Flops.out(wo, 3, stride);
            }
        }
        return f;
    }
}
