/**
 * The class-agnostic audio-visual segmentation network of Sec. 3.1 (AVSegFormer* of the paper's tables) and
 * the model-side pieces of the CPM workflow. {@link cpm.model.AvsModel} compiles a recipe into
 * {@link cpm.model.ImageBackbone} (ResNet) + {@link cpm.model.PixelDecoder} (FPN),
 * {@link cpm.model.AudioBackbone} (u_a tokens and the decoded map u~_a) and
 * {@link cpm.model.TransformerDecoder} (audio layers, then Mask2Former masked visual layers).
 *
 * <p>Choices where the paper is silent (see also docs/method.md):
 * <ul>
 *   <li>{@link cpm.model.DecoderOutput#layers()} starts with the prediction from the initial queries
 *       (Mask2Former supervises it too), then one entry per layer; {@code afterAudio()} is entry audioLayers.</li>
 *   <li>decoder.dropout applies to the outputs of the attention and FFN sub-layers and inside the FFN, with
 *       masks from a seeded Java generator; attention probabilities are not dropped.</li>
 *   <li>u_a is at stride 8, or 16 when stride 8 would give more than 1024 audio tokens (from the recipe's
 *       spectrogram size). The audio encoder uses image.norm, except frozen-batch without
 *       audio.pretrained, which falls back to batch norm (random frozen statistics would not normalise).</li>
 *   <li>Pixel-decoder memories are always projected to decoder.hiddenDim by a linear map (Mask2Former skips
 *       it when the widths match); the mask-feature projection is 1x1.</li>
 *   <li>When another classifier replaces the softmax head, the head's parameters are frozen.</li>
 * </ul>
 */
package cpm.model;
