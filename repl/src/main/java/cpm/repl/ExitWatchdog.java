package cpm.repl;

/**
 * Ends the JVM a few seconds after the REPL has been left, whatever is still closing. Closing a session that
 * trained (data-loader and snippet threads, libtorch, the terminal) has been seen to keep the process alive after
 * Ctrl-D under a terminal multiplexer; the user asked to leave, and nothing unsaved remains at that point.
 */
public final class ExitWatchdog {

    private ExitWatchdog() {
    }

    /** Halts with {@code status} after {@code millis} unless the JVM has exited by then. */
    public static void arm(int status, long millis) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }, "cpm-exit-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
