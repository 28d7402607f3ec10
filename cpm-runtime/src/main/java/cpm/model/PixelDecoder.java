package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import cpm.nn.Conv;
import cpm.nn.Init;
import cpm.nn.Linear;
import cpm.nn.Norm;
import cpm.nn.Resize;
import cpm.nn.SineEncoding;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * Mask2Former's FPN pixel decoder (Sec. 3.1): lateral 1x1 convolutions, top-down bilinear upsampling and
 * addition, 3x3 output convolutions with group norm. Gives the per-pixel embeddings at stride 4 (1x1
 * projection to D_q) and the multi-scale memories at strides 32, 16, 8 that the decoder's visual layers
 * attend to, projected to the decoder width, with a learned level embedding and sine positions.
 */
public final class PixelDecoder {

    private final Conv topConv;
    private final Norm topNorm;
    private final List<Conv> lateral = new ArrayList<>();
    private final List<Norm> lateralNorm = new ArrayList<>();
    private final List<Conv> output = new ArrayList<>();
    private final List<Norm> outputNorm = new ArrayList<>();
    private final Conv maskProj;
    private final List<Linear> memoryProj = new ArrayList<>();
    private final List<NDArray> levelEmbed = new ArrayList<>();
    private final long[] inChannels;
    private final long hidden;
    private final long maskDim;
    private final long decoderDim;
    private final int scales;

    /**
     * @param inChannels channels of the backbone outputs at strides 4, 8, 16, 32
     * @param hidden     pixelDecoder.hiddenDim
     * @param maskDim    queries.dim (D_q)
     * @param decoderDim decoder.hiddenDim (D)
     * @param scales     pixelDecoder.scales: memories at strides 32, 16, 8, the first {@code scales} of them
     */
    public PixelDecoder(Weights w, long[] inChannels, long hidden, long maskDim, long decoderDim, int scales) {
        this.inChannels = inChannels.clone();
        this.hidden = hidden;
        this.maskDim = maskDim;
        this.decoderDim = decoderDim;
        this.scales = scales;
        topConv = new Conv(w.child("layer4"), inChannels[3], hidden, 3, 1, false);
        topNorm = new Norm(w.child("layer4Norm"), "group", hidden);
        for (int l = 0; l < 3; l++) {
            lateral.add(new Conv(w.child("lateral" + l), inChannels[l], hidden, 1, 1, false));
            lateralNorm.add(new Norm(w.child("lateral" + l + "Norm"), "group", hidden));
            output.add(new Conv(w.child("output" + l), hidden, hidden, 3, 1, false));
            outputNorm.add(new Norm(w.child("output" + l + "Norm"), "group", hidden));
        }
        maskProj = new Conv(w.child("maskFeatures"), hidden, maskDim, 1, 1, true);
        for (int s = 0; s < scales; s++) {
            memoryProj.add(new Linear(w.child("inputProj" + s), hidden, decoderDim));
            levelEmbed.add(w.param("levelEmbed" + s, new Shape(decoderDim), Init.normal(1.0)));
        }
    }

    /** @param feats backbone outputs at strides 4, 8, 16, 32 */
    public ImageFeatures forward(List<NDArray> feats, boolean training) {
        NDArray y = Activation.relu(topNorm.forward(topConv.forward(feats.get(3)), training));
        NDArray[] multi = new NDArray[4];
        multi[3] = y;
        for (int l = 2; l >= 0; l--) {
            NDArray lat = lateralNorm.get(l).forward(lateral.get(l).forward(feats.get(l)), training);
            Shape s = lat.getShape();
            y = lat.add(Resize.bilinear(y, s.get(2), s.get(3)));
            y = Activation.relu(outputNorm.get(l).forward(output.get(l).forward(y), training));
            multi[l] = y;
        }
        NDArray maskFeatures = maskProj.forward(y);
        List<NDArray> memories = new ArrayList<>();
        List<NDArray> pos = new ArrayList<>();
        List<long[]> sizes = new ArrayList<>();
        for (int s = 0; s < scales; s++) {
            NDArray f = multi[3 - s];
            Shape sh = f.getShape();
            long b = sh.get(0);
            long h = sh.get(2);
            long wd = sh.get(3);
            NDArray flat = f.reshape(b, hidden, h * wd).transpose(0, 2, 1);
            memories.add(memoryProj.get(s).forward(flat).add(levelEmbed.get(s)));
            pos.add(SineEncoding.tokens(f.getManager(), h, wd, decoderDim));
            sizes.add(new long[] {h, wd});
        }
        return new ImageFeatures(maskFeatures, memories, pos, sizes);
    }

    /** @param sizes {h, w} of the backbone outputs at strides 4, 8, 16, 32 */
    long flops(long[][] sizes) {
        long f = Flops.conv(inChannels[3], hidden, 3, sizes[3][0], sizes[3][1]);
        for (int l = 2; l >= 0; l--) {
            f += Flops.conv(inChannels[l], hidden, 1, sizes[l][0], sizes[l][1]);
            f += Flops.conv(hidden, hidden, 3, sizes[l][0], sizes[l][1]);
        }
        f += Flops.conv(hidden, maskDim, 1, sizes[0][0], sizes[0][1]);
        for (int s = 0; s < scales; s++) {
            f += Flops.linear(sizes[3 - s][0] * sizes[3 - s][1], hidden, decoderDim);
        }
        return f;
    }
}
