package cpm.repl;

import java.util.Objects;

/**
 * A REPL command typed as {@code :name args}.
 *
 * @param name     the name without the colon, e.g. {@code step}
 * @param synopsis the arguments, e.g. {@code [N]} (empty when none)
 * @param help     one line for {@code :help}
 * @param details  longer text for {@code :help name} (may be empty)
 * @param handler  what it does
 */
public record MetaCommand(String name, String synopsis, String help, String details, MetaHandler handler) {

    public MetaCommand {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (!name.matches("[A-Za-z][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("meta-command name \"" + name
                    + "\": expected letters, digits, '-' or '_', starting with a letter");
        }
        synopsis = synopsis == null ? "" : synopsis;
        help = help == null ? "" : help;
        details = details == null ? "" : details;
    }

    /** {@code :name synopsis}. */
    public String usage() {
        return ":" + name + (synopsis.isEmpty() ? "" : " " + synopsis);
    }
}
