package cpm.repl;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pitfall P4: snippets run in the host JVM, so {@code System.exit} would end the host. This rewrites calls of
 * {@code System.exit(}, {@code Runtime.getRuntime().exit(} and {@code .halt(} in snippet source (outside strings
 * and comments) into {@link Session#exit(int)}, which throws {@link SnippetExit}. Exit calls made inside compiled
 * library code are not covered.
 */
final class ExitGuard {

    private static final Pattern EXIT = Pattern.compile(
            "(?<![\\w$.])(?:(?:java\\s*\\.\\s*lang\\s*\\.\\s*)?System\\s*\\.\\s*exit"
                    + "|(?:java\\s*\\.\\s*lang\\s*\\.\\s*)?Runtime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*(?:exit|halt))"
                    + "\\s*\\(");
    static final String REPLACEMENT = "cpm.repl.Session.exit(";
    /** Method references ({@code System::exit}, {@code Runtime.getRuntime()::halt}) escape the call pattern. */
    private static final Pattern EXIT_REF = Pattern.compile(
            "(?<![\\w$.])(?:(?:java\\s*\\.\\s*lang\\s*\\.\\s*)?System\\s*::\\s*exit"
                    + "|(?:java\\s*\\.\\s*lang\\s*\\.\\s*)?Runtime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*::\\s*(?:exit|halt))"
                    + "(?![\\w$])");
    static final String REF_REPLACEMENT = "cpm.repl.Session::exit";

    private ExitGuard() {
    }

    static String rewrite(String src) {
        if (!src.contains("exit") && !src.contains("halt")) {
            return src;
        }
        return replace(replace(src, EXIT, REPLACEMENT), EXIT_REF, REF_REPLACEMENT);
    }

    private static String replace(String src, Pattern pattern, String replacement) {
        String code = maskLiteralsAndComments(src);
        Matcher m = pattern.matcher(code);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(src, last, m.start()).append(replacement);
            last = m.end();
        }
        return last == 0 ? src : out.append(src.substring(last)).toString();
    }

    /** The same text with string, char and text-block literals and comments blanked out (same length). */
    static String maskLiteralsAndComments(String s) {
        char[] c = s.toCharArray();
        int i = 0;
        int n = c.length;
        while (i < n) {
            if (c[i] == '/' && i + 1 < n && c[i + 1] == '/') {
                while (i < n && c[i] != '\n') {
                    c[i++] = ' ';
                }
            } else if (c[i] == '/' && i + 1 < n && c[i + 1] == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(c, i, end);
                i = end;
            } else if (c[i] == '"' && s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                while (end > 0 && isEscaped(s, end)) {
                    end = s.indexOf("\"\"\"", end + 1);
                }
                end = end < 0 ? n : end + 3;
                blank(c, i, end);
                i = end;
            } else if (c[i] == '"' || c[i] == '\'') {
                char q = c[i];
                int j = i + 1;
                while (j < n && s.charAt(j) != q && s.charAt(j) != '\n') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(n, j + 1);
                blank(c, i, end);
                i = end;
            } else {
                i++;
            }
        }
        return new String(c);
    }

    private static boolean isEscaped(String s, int pos) {
        int k = pos - 1;
        int slashes = 0;
        while (k >= 0 && s.charAt(k) == '\\') {
            slashes++;
            k--;
        }
        return slashes % 2 == 1;
    }

    private static void blank(char[] c, int from, int to) {
        for (int k = from; k < to; k++) {
            if (c[k] != '\n') {
                c[k] = ' ';
            }
        }
    }
}
