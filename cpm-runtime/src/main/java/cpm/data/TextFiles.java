package cpm.data;

import cpm.data.DataProblem.Kind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The encoding rule for a data set's text files (metadata CSV, label2idx.json): UTF-8, a UTF-8 byte-order mark
 * is skipped, UTF-16 is read when it starts with its byte-order mark; anything else is refused at the line and
 * column of the first byte that does not fit, rather than guessed.
 */
final class TextFiles {

    private TextFiles() {
    }

    /**
     * The text of a UTF-8 file (a UTF-8 byte-order mark is dropped; UTF-16 is read when it starts with its
     * byte-order mark). Other bytes are an error naming the line and column of the first one.
     */
    static String read(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(Kind.MISSING, file, "no such file", what);
        }
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException(Kind.MISSING, file, "an unreadable file (" + e.getMessage() + ")", what, e);
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            return decode(b, 3, StandardCharsets.UTF_8, file);
        }
        if (b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
            return decode(b, 2, StandardCharsets.UTF_16LE, file);
        }
        if (b.length >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
            return decode(b, 2, StandardCharsets.UTF_16BE, file);
        }
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                throw new DataException(Kind.TEXT, file, "a NUL byte at " + where(b, i)
                        + " (UTF-16 without a byte-order mark, or not a text file)",
                        "UTF-8 text (or UTF-16 starting with its byte-order mark)");
            }
        }
        return decode(b, 0, StandardCharsets.UTF_8, file);
    }

    private static String decode(byte[] b, int from, Charset cs, Path file) {
        CharsetDecoder d = cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, from, b.length - from);
        CharBuffer out = CharBuffer.allocate(b.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new DataException(Kind.TEXT, file, String.format(Locale.ROOT,
                    "byte 0x%02X at %s, which is not %s%s", b[Math.min(at, b.length - 1)] & 0xFF, where(b, at),
                    cs.name(), cs == StandardCharsets.UTF_8 ? " (Latin-1 or Windows-1252 text?)" : ""),
                    "UTF-8 text (save the file as UTF-8)");
        }
        out.flip();
        return out.toString();
    }

    /** "line L, column C" (1-based, columns in bytes) of byte offset {@code at}. */
    private static String where(byte[] b, int at) {
        int line = 1, start = 0;
        for (int i = 0; i < Math.min(at, b.length); i++) {
            if (b[i] == '\n') {
                line++;
                start = i + 1;
            }
        }
        return "line " + line + ", column " + (at - start + 1);
    }

}
