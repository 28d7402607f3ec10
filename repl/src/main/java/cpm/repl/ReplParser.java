package cpm.repl;

import java.util.List;
import org.jline.reader.CompletingParsedLine;
import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;

/**
 * JLine parser for the REPL. On Enter it throws {@link EOFError} while JShell says the snippet is incomplete, which
 * makes JLine continue the buffer on a new line with the continuation prompt (native multi-line editing). For
 * completion the whole buffer up to the cursor is one word, since JShell finds the anchor itself.
 */
final class ReplParser implements Parser {

    private final ScriptEngine engine;

    ReplParser(ScriptEngine engine) {
        this.engine = engine;
    }

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        if (context == ParseContext.ACCEPT_LINE && !line.isBlank() && !line.strip().startsWith(":")
                && !engine.isComplete(line)) {
            throw new EOFError(-1, -1, "incomplete snippet");
        }
        return new WholeBuffer(line, cursor);
    }

    /** The buffer up to the cursor as a single word; candidates are not escaped. */
    record WholeBuffer(String line, int cursor) implements CompletingParsedLine {
        @Override
        public String word() {
            return line.substring(0, Math.min(cursor, line.length()));
        }

        @Override
        public int wordCursor() {
            return word().length();
        }

        @Override
        public int wordIndex() {
            return 0;
        }

        @Override
        public List<String> words() {
            return List.of(word());
        }

        @Override
        public CharSequence escape(CharSequence candidate, boolean complete) {
            return candidate;
        }

        @Override
        public int rawWordCursor() {
            return wordCursor();
        }

        @Override
        public int rawWordLength() {
            return word().length();
        }
    }
}
