package cpm.train.loop;

import java.util.Locale;

/** Time left, estimated from the rate so far, written as people read it: {@code 45 s}, {@code 3:07}, {@code 1:02:03}. */
public final class TimeLeft {

    private TimeLeft() {
    }

    /** Seconds for {@code remaining} units at the rate of {@code done} units in {@code elapsed} seconds. */
    public static double estimate(double elapsed, long done, long remaining) {
        return done <= 0 ? Double.NaN : elapsed / done * remaining;
    }

    /** {@code 45 s}, {@code 3:07} (minutes:seconds), {@code 1:02:03}; {@code ?} when unknown. */
    public static String format(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
