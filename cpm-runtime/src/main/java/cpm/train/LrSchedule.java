package cpm.train;

import cpm.dsl.Recipe;
import cpm.dsl.Sections;

/** The learning-rate schedule of a recipe: linear warm-up, then poly (Mask2Former's), cosine or constant. */
public final class LrSchedule {

    private final double base;
    private final String kind;
    private final double power;
    private final long warmup;
    private final long steps;

    public LrSchedule(Recipe r) {
        this(r.optim());
    }

    /** The schedule of an {@code optim.*} section. */
    public LrSchedule(Sections.Optim o) {
        this(o.lr(), o.schedule(), o.polyPower(), o.warmupSteps(), o.steps());
    }

    public LrSchedule(double base, String kind, double power, long warmup, long steps) {
        this.base = base;
        this.kind = kind;
        this.power = power;
        this.warmup = warmup;
        this.steps = steps;
    }

    /** The learning rate for step {@code step} (0-based). */
    public double at(long step) {
        if (step < warmup) {
            return base * (step + 1) / warmup;
        }
        double t = Math.min(1.0, (double) (step - warmup) / Math.max(1, steps - warmup));
        return switch (kind) {
            case "poly" -> base * Math.pow(1 - t, power);
            case "cosine" -> base * 0.5 * (1 + Math.cos(Math.PI * t));
            default -> base;
        };
    }
}
