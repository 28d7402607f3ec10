package cpm.dsl;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The paper's ablation tables as recipes derived from one base recipe, so that every row trains on the same
 * budget, data and sizes and differs only in what the table varies. Row recipes are named
 * {@code <base>-table4-<row>} and {@code <base>-table5-<row>}.
 */
public final class Ablations {

    /** One row of a table: its short name (as in {@code ./cpm ablate} output) and its recipe. */
    public record Row(String name, Recipe recipe) {
    }

    /** GMM components compared in Table 5. */
    public static final List<Integer> TABLE5_COMPONENTS = List.of(1, 3, 5, 7);

    private Ablations() {
    }

    /**
     * Table 4, key components on AVSBench-Semantics: baseline (AVSegFormer*: softmax, no CPM task), ccdm (the GMM
     * classifier of Eq. 1-4), then VCP (Eq. 6), ACP (Eq. 5), both, and full CPM with PCL (Eq. 7-9).
     */
    public static List<Row> table4(Recipe base) {
        return List.of(
                row(base, "table4", "baseline", b -> b.classifier(c -> c.softmax()).cpm(c -> c.off())),
                row(base, "table4", "ccdm", b -> b.classifier(c -> c.gmm()).cpm(c -> c.off())),
                row(base, "table4", "vcp", b -> b.classifier(c -> c.gmm()).cpm(c -> c.off().vcp(true))),
                row(base, "table4", "acp", b -> b.classifier(c -> c.gmm()).cpm(c -> c.off().acp(true))),
                row(base, "table4", "vcp-acp", b -> b.classifier(c -> c.gmm()).cpm(c -> c.off().vcp(true).acp(true))),
                row(base, "table4", "cpm", b -> b.classifier(c -> c.gmm()).cpm(c -> c.on())));
    }

    /**
     * Table 5, distribution representation: point (a softmax classifier whose learned class embeddings serve as the
     * prompts, all CPM tasks on), dist (the GMM with the base's M, all tasks), then M = 1, 3, 5, 7 components.
     */
    public static List<Row> table5(Recipe base) {
        List<Row> rows = new java.util.ArrayList<>();
        rows.add(row(base, "table5", "point", b -> b.classifier(c -> c.softmax()).cpm(c -> c.on())));
        rows.add(row(base, "table5", "dist", b -> b.classifier(c -> c.gmm()).cpm(c -> c.on())));
        for (int m : TABLE5_COMPONENTS) {
            rows.add(row(base, "table5", "m" + m, b -> b.classifier(c -> c.gmm(m)).cpm(c -> c.on())));
        }
        return List.copyOf(rows);
    }

    /** The rows of table 4 or 5. */
    public static List<Row> table(int number, Recipe base) {
        return switch (number) {
            case 4 -> table4(base);
            case 5 -> table5(base);
            default -> throw new RecipeException(List.of(new RecipeException.Problem("table", String.valueOf(number),
                    "4 (key components) or 5 (distribution representation)")));
        };
    }

    private static Row row(Recipe base, String table, String row, UnaryOperator<RecipeBuilder> change) {
        String suffix = "-" + table + "-" + row;
        // a long base name is cut so that the row's name still follows RecipeNames' length rule
        String stem = base.name().substring(0, Math.min(base.name().length(), RecipeNames.MAX_LENGTH - suffix.length()));
        RecipeBuilder b = base.toBuilder().name(stem + suffix);
        return new Row(row, change.apply(b).build());
    }
}
