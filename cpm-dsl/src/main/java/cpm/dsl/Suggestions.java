package cpm.dsl;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean ...?" help for mistyped names: recipe fields, recipe sections, REPL commands.
 * One home for the edit distance so every error message ranks candidates the same way.
 */
public final class Suggestions {
    private Suggestions() {
    }

    /** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
    public static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The candidate closest to {@code name} ignoring case (the first one on ties), or null when none lies within
     * {@code maxDistance} edits.
     */
    public static String closest(String name, Collection<String> candidates, int maxDistance) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        String lower = name.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = levenshtein(c.toLowerCase(Locale.ROOT), lower);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= maxDistance ? best : null;
    }

    /** " (did you mean X?)" for the closest candidate within {@code maxDistance} edits, or "". */
    public static String didYouMean(String name, Collection<String> candidates, int maxDistance) {
        String best = closest(name, candidates, maxDistance);
        return best == null ? "" : " (did you mean " + best + "?)";
    }
}
