package cpm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import cpm.nn.Dropout;
import cpm.nn.LayerNorm;
import cpm.nn.Mlp;
import cpm.nn.Resize;
import cpm.nn.Weights;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The transformer decoder of Fig. 2: first the audio layers f^TD-A (cross-attention to the audio tokens u_a,
 * self-attention, FFN), then the visual layers f^TD-V (Mask2Former masked cross-attention to one pixel-decoder
 * scale per layer, cycling coarse to fine, self-attention, FFN). The prediction heads (output layer norm,
 * class head through the {@link Classifier} seam, 3-layer MLP to the mask embedding, mask logits as one batched
 * product with the per-pixel embeddings) run on the initial queries and after every layer (deep supervision).
 * The same weights decode the learnable queries and the class-conditional prompts (separate passes).
 */
public final class TransformerDecoder {

    private final List<AttentionLayer[]> audioLayers = new ArrayList<>();
    private final List<FeedForwardLayer> audioFfn = new ArrayList<>();
    private final List<AttentionLayer[]> visualLayers = new ArrayList<>();
    private final List<FeedForwardLayer> visualFfn = new ArrayList<>();
    private final LayerNorm outNorm;
    private final Mlp maskEmbed;
    private final boolean masked;
    private final long dim;
    private final long ffnDim;
    private final long maskDim;
    private final Dropout dropout;

    /** Restarts the dropout masks from {@code seed} (training derives it from (run.seed, step)). */
    public void reseedDropout(long seed) {
        dropout.reseed(seed);
    }

    public TransformerDecoder(Weights w, long dim, int heads, long ffnDim, int nAudio, int nVisual, boolean pre,
            boolean masked, float dropout, long maskDim) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("decoder.hiddenDim (" + dim + ") must be divisible by decoder.heads ("
                    + heads + ")");
        }
        Dropout drop = new Dropout(dropout, w.seed() * 31 + 17);
        this.dropout = drop;
        for (int i = 0; i < nAudio; i++) {
            Weights lw = w.child("audio" + i);
            audioLayers.add(new AttentionLayer[] {new AttentionLayer(lw.child("cross"), dim, heads, pre, drop),
                    new AttentionLayer(lw.child("self"), dim, heads, pre, drop)});
            audioFfn.add(new FeedForwardLayer(lw.child("ffn"), dim, ffnDim, pre, drop));
        }
        for (int i = 0; i < nVisual; i++) {
            Weights lw = w.child("visual" + i);
            visualLayers.add(new AttentionLayer[] {new AttentionLayer(lw.child("cross"), dim, heads, pre, drop),
                    new AttentionLayer(lw.child("self"), dim, heads, pre, drop)});
            visualFfn.add(new FeedForwardLayer(lw.child("ffn"), dim, ffnDim, pre, drop));
        }
        this.outNorm = new LayerNorm(w.child("outNorm"), dim);
        this.maskEmbed = new Mlp(w.child("maskEmbed"), dim, dim, maskDim, 3);
        this.masked = masked;
        this.dim = dim;
        this.ffnDim = ffnDim;
        this.maskDim = maskDim;
    }

    /**
     * @param tgt  (B, N, D) query features
     * @param qpos (1 or B, N, D) query positional embeddings
     */
    public DecoderOutput forward(NDArray tgt, NDArray qpos, ImageFeatures img, AudioFeatures aud,
            Supplier<Classifier> classifier, boolean training) {
        List<LayerOutput> outs = new ArrayList<>();
        Classifier c = classifier.get();
        int nAudio = audioLayers.size();
        int last = nAudio + visualLayers.size();
        outs.add(predict(tgt, img, training || last == 0 || nAudio == 0 ? c : null));
        for (int i = 0; i < audioLayers.size(); i++) {
            AttentionLayer[] l = audioLayers.get(i);
            tgt = l[0].cross(tgt, qpos, aud.tokens(), aud.tokenPos(), null, training);
            tgt = l[1].self(tgt, qpos, training);
            tgt = audioFfn.get(i).forward(tgt, training);
            outs.add(predict(tgt, img, training || i == nAudio - 1 ? c : null));
        }
        int scales = img.memories().size();
        for (int i = 0; i < visualLayers.size(); i++) {
            int s = i % scales;
            long[] size = img.memorySizes().get(s);
            NDArray mask = masked ? attentionMask(outs.get(outs.size() - 1).maskLogits(), size[0], size[1]) : null;
            AttentionLayer[] l = visualLayers.get(i);
            tgt = l[0].cross(tgt, qpos, img.memories().get(s), img.memoryPos().get(s), mask, training);
            tgt = l[1].self(tgt, qpos, training);
            tgt = visualFfn.get(i).forward(tgt, training);
            outs.add(predict(tgt, img, training || nAudio + i + 1 == last ? c : null));
        }
        return new DecoderOutput(outs, audioLayers.size());
    }

    /**
     * Mask2Former's attention mask: the previous mask logits, detached, resized bilinearly to the memory
     * scale; a query may not attend where sigmoid(logit) &lt; 0.5. Fully blocked rows are un-masked by
     * {@link cpm.nn.MultiHeadAttention}.
     *
     * @return (B, N, h*w) boolean, true = blocked
     */
    public static NDArray attentionMask(NDArray maskLogits, long h, long w) {
        Shape s = maskLogits.getShape();
        NDArray r = Resize.bilinear(maskLogits.stopGradient(), h, w);
        return r.reshape(s.get(0), s.get(1), h * w).lt(0f);
    }

    /**
     * Prediction heads on (B, N, D) query features. At inference only the layer after the audio layers (the
     * coverage score) and the last (the merge) are read for their classes, so the other layers get no class head
     * ({@code classifier} null, class logits null); their masks still steer the next layer's attention.
     */
    LayerOutput predict(NDArray tgt, ImageFeatures img, Classifier classifier) {
        NDArray out = outNorm.forward(tgt);
        NDArray me = maskEmbed.forward(out);
        Shape fs = img.maskFeatures().getShape();
        long b = fs.get(0);
        long h = fs.get(2);
        long w = fs.get(3);
        NDArray logits = cpm.nn.Precision.matMul(me, img.maskFeatures().reshape(b, fs.get(1), h * w))
                .reshape(b, me.getShape().get(1), h, w);
        return new LayerOutput(out, me, logits, classifier == null ? null : classifier.logits(out, me));
    }

    /**
     * Operation count for N queries over memories of the given token counts, L audio tokens and mask features
     * of hw pixels; the class head counts as a linear map D to C + 1.
     */
    long flops(long n, long[] memoryTokens, long audioTokens, long hw, int classes) {
        long head = Flops.linear(n, dim, dim) * 2 + Flops.linear(n, dim, maskDim) + 2L * n * maskDim * hw
                + Flops.linear(n, dim, classes + 1L);
        long selfAndFfn = Flops.attention(n, n, dim) + Flops.linear(n, dim, ffnDim) + Flops.linear(n, ffnDim, dim);
        long f = head;
        for (int i = 0; i < audioLayers.size(); i++) {
            f += Flops.attention(n, audioTokens, dim) + selfAndFfn + head;
        }
        for (int i = 0; i < visualLayers.size(); i++) {
            f += Flops.attention(n, memoryTokens[i % memoryTokens.length], dim) + selfAndFfn + head;
        }
        return f;
    }
}
