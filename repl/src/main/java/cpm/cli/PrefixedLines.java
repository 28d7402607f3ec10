package cpm.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Whole lines onto a shared stream, each after a prefix: the logs of trainings that run side by side
 * ({@code ./cpm ablate --parallel}) stay readable, one run's line never cut into by another's. A line goes out when
 * it ends; what is left unended goes out, ended, at {@link #close()}.
 */
final class PrefixedLines extends OutputStream {

    private final PrintStream target;
    private final byte[] prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private PrefixedLines(PrintStream target, String prefix) {
        this.target = target;
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
    }

    /** A stream writing to {@code target}, every line after {@code prefix}. */
    static PrintStream of(PrintStream target, String prefix) {
        return new PrintStream(new PrefixedLines(target, prefix), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
            emit();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    private void emit() {
        synchronized (target) {
            target.write(prefix, 0, prefix.length);
            target.write(line.toByteArray(), 0, line.size());
            target.flush();
        }
        line.reset();
    }

    @Override
    public synchronized void close() {
        if (line.size() > 0) {
            line.write('\n');
            emit();
        }
    }
}
