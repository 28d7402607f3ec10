package cpm.data;

import cpm.data.DataProblem.Kind;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two kinds of AVSBench-Semantics label map (docs/datasets.md): {@code labels_semantic/i.png}, a
 * single-channel PNG (palette or greyscale) whose pixel values are class indices, 255 ignored, which is what CAVP
 * reads; and {@code labels_rgb/i.png}, PASCAL VOC palette colours ({@link Palette}). A frame's map is its
 * labels_semantic file when there is one (CAVP's choice), else its labels_rgb file; the folder a file lies in
 * says how it is decoded.
 */
final class LabelMaps {

    static final String SEMANTIC = "labels_semantic";
    static final String RGB = "labels_rgb";

    private LabelMaps() {
    }

    /** The label map of frame {@code f} of the clip in {@code dir}: labels_semantic when present, else labels_rgb. */
    static Path of(Path dir, int f) {
        Path semantic = dir.resolve(SEMANTIC).resolve(f + ".png");
        return Files.isRegularFile(semantic) ? semantic : dir.resolve(RGB).resolve(f + ".png");
    }

    /** True for a file in a labels_semantic folder. */
    static boolean semantic(Path file) {
        Path parent = file.getParent();
        return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals(SEMANTIC);
    }

    /** The labels_rgb map beside a labels_semantic one. */
    static Path rgbTwin(Path semanticFile) {
        return semanticFile.getParent().resolveSibling(RGB).resolve(semanticFile.getFileName());
    }

    /** Class indices of either kind of map, the kind told by its folder. */
    static int[] decode(BufferedImage img, int classCount, Path file) {
        return semantic(file) ? decodeIndex(img, classCount, file) : Palette.decode(img, classCount, file);
    }

    /**
     * Decodes an index map: one channel (a palette PNG's indices or grey levels), each value a class index below
     * {@code classCount} or 255 (ignored: {@link BatchLoader#IGNORE}, as CAVP's ignore_index) when 255 is not a
     * class. Anything else is an error naming the file and the pixel.
     */
    static int[] decodeIndex(BufferedImage img, int classCount, Path file) {
        Raster r = img.getRaster();
        if (r.getNumBands() != 1) {
            throw new DataException(Kind.IMAGE, file, "an image with " + r.getNumBands() + " channels",
                    "a single-channel index map (palette or greyscale PNG) whose values are class indices");
        }
        int w = img.getWidth(), h = img.getHeight();
        int[] out = r.getSamples(0, 0, w, h, 0, (int[]) null);
        for (int i = 0; i < out.length; i++) {
            int v = out[i];
            if (v >= classCount && !(v == BatchLoader.IGNORE && classCount <= BatchLoader.IGNORE)) {
                throw new DataException(Kind.CLASS_INDEX, file, String.format("class %d at pixel (x=%d, y=%d)", v,
                        i % w, i / w), "a class index below " + classCount + " (label2idx / data.classes), or "
                        + BatchLoader.IGNORE + " (ignored)");
            }
        }
        return out;
    }
}
