package cpm.data;

import cpm.data.DataProblem.Kind;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * VPO's classes: background and 21 COCO categories, in the order CAVP indexes them, and the COCO category id
 * a VPO mask pixel holds for each (docs/datasets.md has the same table). A mask pixel is 0 (background),
 * {@value #IGNORED} (ignored: no class, left out of the losses and the scores) or one of these ids; any other value
 * is a data error.
 */
public final class VpoClasses {

    /** The mask value VPO leaves unlabelled; the pipeline's own "no class" label is the same. */
    static final int IGNORED = BatchLoader.IGNORE;

    /** Class names, background first (index = the class the toolkit trains and scores). */
    public static final List<String> NAMES = List.of("background", "airplane", "baby", "bird", "bus", "car", "cat",
            "cell phone", "cow", "dog", "elephant", "female", "horse", "keyboard", "male", "motorcycle", "mouse",
            "sheep", "skateboard", "sports ball", "tennis racket", "zebra");

    /** COCO category id -> class name (COCO's ids; 92 to 94 are VPO's own ids for the person subclasses). */
    public static final Map<Integer, String> COCO_IDS = cocoIds();

    /** COCO id -> class index, -1 where unknown (ids fit in a byte; larger mask values are unknown). */
    private static final int[] INDEX = new int[256];

    static {
        Arrays.fill(INDEX, -1);
        INDEX[0] = 0;
        INDEX[IGNORED] = IGNORED;
        COCO_IDS.forEach((id, name) -> INDEX[id] = NAMES.indexOf(name));
    }

    private VpoClasses() {
    }

    private static Map<Integer, String> cocoIds() {
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(3, "car");
        m.put(4, "motorcycle");
        m.put(5, "airplane");
        m.put(6, "bus");
        m.put(16, "bird");
        m.put(17, "cat");
        m.put(18, "dog");
        m.put(19, "horse");
        m.put(20, "sheep");
        m.put(21, "cow");
        m.put(22, "elephant");
        m.put(24, "zebra");
        m.put(37, "sports ball");
        m.put(41, "skateboard");
        m.put(43, "tennis racket");
        m.put(74, "mouse");
        m.put(76, "keyboard");
        m.put(77, "cell phone");
        m.put(92, "male");
        m.put(93, "female");
        m.put(94, "baby");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The class index of a COCO id, or -1 when the id is not one of VPO's. */
    public static int classOf(int cocoId) {
        return cocoId >= 1 && cocoId < 255 ? INDEX[cocoId] : -1;
    }

    /** "3 car, 4 motorcycle, ...": the table, for messages. */
    static String table() {
        return COCO_IDS.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * Class indices of a VPO mask: one value per pixel (a grey or palette-index PNG; an RGB file whose channels
     * agree is read as grey), COCO ids mapped through the table, 0 and 255 kept. Another colour or an unknown id is
     * a {@link DataException} naming the file and the first such pixel.
     */
    static int[] decode(BufferedImage img, Path file) {
        int w = img.getWidth(), h = img.getHeight();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int[] out = new int[w * h];
        int[] px = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, px);
                int v = px[0];
                if (bands >= 3 && (px[1] != v || px[2] != v)) {
                    throw new DataException(Kind.PALETTE, file, String.format(java.util.Locale.ROOT,
                            "colour #%02X%02X%02X at pixel (x=%d, y=%d)", v, px[1], px[2], x, y),
                            "a grey or palette-index mask whose values are COCO category ids (VPO)");
                }
                int c = v == 0 ? 0 : v == IGNORED ? IGNORED : classOf(v);
                if (c < 0) {
                    throw new DataException(Kind.CLASS_INDEX, file, "COCO category id " + v + " at pixel (x=" + x
                            + ", y=" + y + ")", "0 (background), " + IGNORED + " (ignored) or the COCO id of a VPO "
                            + "class (" + table() + ")");
                }
                out[y * w + x] = c;
            }
        }
        return out;
    }
}
