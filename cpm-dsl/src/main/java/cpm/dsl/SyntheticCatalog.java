package cpm.dsl;

import java.util.List;

/**
 * The class lists of the built-in synthetic benchmark (docs/datasets.md). They live in the DSL so that a
 * recipe knows its class count without the runtime; the generator in cpm-runtime draws these classes.
 */
public final class SyntheticCatalog {

    /** Background first, then the eight sounding-object classes, each with its own shape and sound. */
    public static final List<String> SEMANTIC = List.of(
            "background", "bell", "drum", "flute", "siren", "engine", "bird", "guitar", "voice");

    /** Binary presets: background (silent or absent) vs sounding. */
    public static final List<String> BINARY = List.of("background", "sounding");

    /** Sound types of the off-screen set that never appear on screen (ACP's D_r, Sec. 3.2). */
    public static final List<String> OFFSCREEN_ONLY = List.of("wind", "clicks", "hum");

    private SyntheticCatalog() {
    }

    public static boolean isBinary(String preset) {
        return preset.equals("ss") || preset.equals("ms");
    }

    public static List<String> classNames(String preset) {
        return isBinary(preset) ? BINARY : SEMANTIC;
    }
}
