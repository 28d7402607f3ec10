package cpm.repl;

import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/** Tab completion: command names after {@code :}, otherwise JShell's {@code completionSuggestions}. */
final class ReplCompleter implements Completer {

    private final ScriptEngine engine;
    private final MetaCommands commands;

    ReplCompleter(ScriptEngine engine, MetaCommands commands) {
        this.engine = engine;
        this.commands = commands;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        String upto = line.line().substring(0, Math.min(line.cursor(), line.line().length()));
        String trimmed = upto.stripLeading();
        if (trimmed.startsWith(":")) {
            if (trimmed.chars().anyMatch(Character::isWhitespace)) {
                return; // arguments: nothing generic to offer
            }
            String indent = upto.substring(0, upto.length() - trimmed.length());
            for (MetaCommand c : commands.all()) {
                candidates.add(new Candidate(indent + ":" + c.name(), ":" + c.name(), null, c.help(), null, null,
                        true));
            }
            return;
        }
        ScriptEngine.Completions c;
        try {
            c = engine.complete(line.line(), upto.length());
        } catch (RuntimeException e) {
            return; // completion is best effort; never break the editor
        }
        String head = upto.substring(0, Math.min(c.anchor(), upto.length()));
        for (String s : c.candidates()) {
            candidates.add(new Candidate(head + s, s, null, null, null, null, false));
        }
    }
}
