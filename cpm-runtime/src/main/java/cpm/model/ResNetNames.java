package cpm.model;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensor names ResNet weights are published under, and the prefix a file puts before them.
 * <ul>
 * <li>{@code torchvision}: {@code conv1.weight, bn1.running_mean, layer1.0.conv1.weight,
 *     layer2.0.downsample.0.weight, fc.weight}. timm's ResNet keeps exactly these names (it began as a copy of
 *     torchvision's resnet.py), so {@code timm} is the same map; timm's deep-stem variants (resnet50d:
 *     {@code conv1.0.weight}) are another architecture and show up as missing and unexpected keys.</li>
 * <li>{@code transformers}: Hugging Face's ResNetModel ({@code microsoft/resnet-50}):
 *     {@code embedder.embedder.convolution.weight, embedder.embedder.normalization.*,
 *     encoder.stages.S.layers.B.layer.I.convolution.weight, ...shortcut.convolution.weight}.</li>
 * </ul>
 * The prefix ({@code model.}, {@code backbone.}, {@code module.}, {@code resnet.}, or several) is found, not listed:
 * the one before the most names the model needs.
 */
final class ResNetNames {

    /** The naming field's values (image.pretrainedNames, audio.pretrainedNames). */
    static final List<String> SCHEMES = List.of("torchvision", "transformers");

    private static final Pattern BLOCK = Pattern.compile("layer(\\d+)\\.(\\d+)\\.(conv|bn)(\\d+)\\.(.+)");
    private static final Pattern SHORTCUT = Pattern.compile("layer(\\d+)\\.(\\d+)\\.downsample\\.([01])\\.(.+)");

    private ResNetNames() {
    }

    /** The scheme a field value names: timm is torchvision; auto stays auto. */
    static String scheme(String field) {
        return field.equals("timm") ? "torchvision" : field;
    }

    /** The name scheme {@code scheme} gives the tensor the model calls {@code torchvision} (a torchvision name). */
    static String name(String scheme, String torchvision) {
        if (scheme.equals("torchvision")) {
            return torchvision;
        }
        Matcher m = BLOCK.matcher(torchvision);
        if (m.matches()) {
            return "encoder.stages." + (Integer.parseInt(m.group(1)) - 1) + ".layers." + m.group(2) + ".layer."
                    + (Integer.parseInt(m.group(4)) - 1) + (m.group(3).equals("conv") ? ".convolution." : ".normalization.")
                    + m.group(5);
        }
        m = SHORTCUT.matcher(torchvision);
        if (m.matches()) {
            return "encoder.stages." + (Integer.parseInt(m.group(1)) - 1) + ".layers." + m.group(2) + ".shortcut."
                    + (m.group(3).equals("0") ? "convolution." : "normalization.") + m.group(4);
        }
        if (torchvision.startsWith("conv1.")) {
            return "embedder.embedder.convolution." + torchvision.substring("conv1.".length());
        }
        if (torchvision.startsWith("bn1.")) {
            return "embedder.embedder.normalization." + torchvision.substring("bn1.".length());
        }
        return torchvision; // not a ResNet tensor (the audio CNN's stages): no other name known
    }

    /** A prefix and how many wanted names the file has behind it. */
    record Prefix(String prefix, int hits) {
    }

    /**
     * The prefix before the most of {@code wanted} among {@code fileKeys} (ties: the shorter); "" with 0 hits when
     * none matches.
     */
    static Prefix prefix(Collection<String> fileKeys, Set<String> wanted) {
        Map<String, Integer> hits = new HashMap<>();
        for (String k : fileKeys) {
            for (int dot = -1; ; dot = k.indexOf('.', dot + 1)) { // each suffix after a dot, and the whole key
                if (wanted.contains(k.substring(dot + 1))) {
                    hits.merge(k.substring(0, dot + 1), 1, Integer::sum);
                }
                if (k.indexOf('.', dot + 1) < 0) {
                    break;
                }
            }
        }
        Prefix best = new Prefix("", 0);
        for (Map.Entry<String, Integer> e : hits.entrySet()) {
            int h = e.getValue();
            if (h > best.hits() || (h == best.hits() && e.getKey().length() < best.prefix().length())) {
                best = new Prefix(e.getKey(), h);
            }
        }
        return best;
    }
}
