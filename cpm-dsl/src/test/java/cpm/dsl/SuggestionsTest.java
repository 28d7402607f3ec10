package cpm.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    /** The textbook recursive definition, exponential but fine for short strings. */
    private static int bruteForce(String a, String b) {
        if (a.isEmpty()) {
            return b.length();
        }
        if (b.isEmpty()) {
            return a.length();
        }
        int c = a.charAt(0) == b.charAt(0) ? 0 : 1;
        return Math.min(Math.min(bruteForce(a.substring(1), b) + 1, bruteForce(a, b.substring(1)) + 1),
                bruteForce(a.substring(1), b.substring(1)) + c);
    }

    @Test
    void levenshteinMatchesTheRecursiveDefinition() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int t = 0; t < 300; t++) {
            String a = word(rng), b = word(rng);
            assertEquals(bruteForce(a, b), Suggestions.levenshtein(a, b), a + " vs " + b);
        }
        assertEquals(3, Suggestions.levenshtein("kitten", "sitting"));
    }

    @Test
    void closestIgnoresCaseAndRespectsTheLimit() {
        List<String> names = List.of("optim.steps", "optim.lr", "image.size");
        assertEquals("optim.steps", Suggestions.closest("OPTIM.STEP", names, 1));
        assertNull(Suggestions.closest("decoder", names, 2));
        assertEquals(" (did you mean image.size?)", Suggestions.didYouMean("imag.size", names, 3));
        assertEquals("", Suggestions.didYouMean("zzz", names, 1));
    }

    private static String word(SplittableRandom rng) {
        StringBuilder sb = new StringBuilder();
        int n = rng.nextInt(7);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + rng.nextInt(3)));
        }
        return sb.toString();
    }
}
