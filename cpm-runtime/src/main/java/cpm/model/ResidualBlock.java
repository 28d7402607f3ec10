package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import cpm.nn.Conv;
import cpm.nn.Norm;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * A ResNet block with torchvision's parameter names: the basic block (ResNet-18/34: two 3x3 convolutions) or
 * the bottleneck (ResNet-50 v1.5: 1x1, 3x3 with the stride, 1x1 to 4x the planes), plus the projection
 * shortcut {@code downsample.0/1} when the stride or width changes.
 */
final class ResidualBlock {

    private final List<Conv> convs = new ArrayList<>();
    private final List<Norm> norms = new ArrayList<>();
    private final Conv downConv;
    private final Norm downNorm;
    private final long in;
    private final long out;
    private final long planes;
    private final int stride;
    private final boolean bottleneck;

    ResidualBlock(Weights w, String norm, long in, long planes, int stride, boolean bottleneck) {
        this.in = in;
        this.planes = planes;
        this.stride = stride;
        this.bottleneck = bottleneck;
        this.out = bottleneck ? planes * 4 : planes;
        if (bottleneck) {
            add(w, 1, new Conv(w.child("conv1"), in, planes, 1, 1, false), norm, planes);
            add(w, 2, new Conv(w.child("conv2"), planes, planes, 3, stride, false), norm, planes);
            add(w, 3, new Conv(w.child("conv3"), planes, out, 1, 1, false), norm, out);
        } else {
            add(w, 1, new Conv(w.child("conv1"), in, planes, 3, stride, false), norm, planes);
            add(w, 2, new Conv(w.child("conv2"), planes, planes, 3, 1, false), norm, planes);
        }
        if (stride != 1 || in != out) {
            downConv = new Conv(w.child("downsample").child("0"), in, out, 1, stride, false);
            downNorm = new Norm(w.child("downsample").child("1"), norm, out);
        } else {
            downConv = null;
            downNorm = null;
        }
    }

    private void add(Weights w, int i, Conv c, String norm, long ch) {
        convs.add(c);
        norms.add(new Norm(w.child("bn" + i), norm, ch));
    }

    long outChannels() {
        return out;
    }

    /** @param training whether batch norms update their running statistics (false for frozen stages) */
    NDArray forward(NDArray x, boolean training) {
        NDArray y = x;
        for (int i = 0; i < convs.size(); i++) {
            y = norms.get(i).forward(convs.get(i).forward(y), training);
            if (i < convs.size() - 1) {
                y = Activation.relu(y);
            }
        }
        NDArray shortcut = downConv == null ? x : downNorm.forward(downConv.forward(x), training);
        return Activation.relu(y.add(shortcut));
    }

    /** Operation count for an input of h x w. */
    long flops(long h, long w) {
        long ho = Flops.out(h, 3, stride);
        long wo = Flops.out(w, 3, stride);
        long f;
        if (bottleneck) {
            f = Flops.conv(in, planes, 1, h, w) + Flops.conv(planes, planes, 3, ho, wo) + Flops.conv(planes, out, 1, ho, wo);
        } else {
            f = Flops.conv(in, planes, 3, ho, wo) + Flops.conv(planes, planes, 3, ho, wo);
        }
        if (downConv != null) {
            f += Flops.conv(in, out, 1, ho, wo);
        }
        return f;
    }
}
