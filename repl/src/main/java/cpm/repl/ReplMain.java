package cpm.repl;

import java.nio.file.Path;

/**
 * Starts the REPL on the process's terminal: {@code java -cp ... cpm.repl.ReplMain [--history FILE | --no-history]}.
 * The toolkit's CLI ({@code ./cpm repl}) builds its own shell with the training commands registered.
 */
public final class ReplMain {

    private ReplMain() {
    }

    public static void main(String[] args) throws Exception {
        Path history = ReplShell.defaultHistoryFile();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--history" -> {
                    if (i + 1 >= args.length) {
                        usage("--history needs a FILE");
                    }
                    history = Path.of(args[++i]);
                }
                case "--no-history" -> history = null;
                case "-h", "--help" -> {
                    System.out.println("usage: ReplMain [--history FILE | --no-history]");
                    return;
                }
                default -> usage("unknown option " + args[i]);
            }
        }
        int rc;
        try (ScriptEngine engine = new ScriptEngine(); ReplShell shell = ReplShell.system(engine, history)) {
            rc = shell.run();
            ExitWatchdog.arm(rc, 3000);
        }
        System.exit(rc);
    }

    private static void usage(String problem) {
        System.err.println("ReplMain: " + problem + "; usage: ReplMain [--history FILE | --no-history]");
        System.exit(2);
    }
}
