package cpm.train.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lock on a run folder, {@code RUN/.lock}: an operating-system lock ({@link FileChannel#tryLock}), so it
 * ends with the process that holds it, however that process ends; a lock file left by a dead process locks
 * nothing. Training ({@code train}, {@code --resume}, {@code ablate}) holds it exclusively for the run's life;
 * {@code eval} holds it shared while it reads the run, so several evaluations can run together but none reads a
 * run that a training is writing. The exclusive holder writes its pid, start time and command into the file, so
 * that whoever is refused can say who holds it. The file is never deleted: deleting it would let a second process
 * lock a new file while a third still holds the old one.
 */
public final class RunLock implements AutoCloseable {

    static final String FILE = ".lock";
    private static final Pattern PID = Pattern.compile("pid (\\d+)");
    private static final Pattern STARTED = Pattern.compile("started (.+)");
    private static final Pattern COMMAND = Pattern.compile("command (.+)");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if needed) for a training, exclusively. {@code option} names the folder in
     * messages ({@code --out}). A folder that another process holds is an {@link IllegalArgumentException} naming
     * it and its holder (exit 2 on the command line). The holder is written into the file by {@link #record} once
     * the run starts, so that a command refused for bad input leaves the folder as it was.
     */
    public static RunLock exclusive(Path dir, String option) {
        return acquire(dir, false, option);
    }

    /** Locks {@code dir} shared, for reading a run ({@code eval}): refused while a training holds it. */
    public static RunLock shared(Path dir, String option) {
        return acquire(dir, true, option);
    }

    /**
     * The lock, or null where the file system cannot lock (some network file systems): then nothing is
     * guarded, which a note on stderr would only repeat each time; the folder is used as before locks existed.
     */
    private static RunLock acquire(Path dir, boolean shared, String option) {
        FileChannel ch = open(dir, shared, option);
        if (ch == null) {
            return null;
        }
        FileLock l;
        try {
            l = tryLock(ch, shared);
        } catch (IOException e) {
            closeQuietly(ch);
            return null; // no locking here (e.g. "No locks available" on NFS without lockd)
        }
        if (l != null) {
            return new RunLock(ch, l);
        }
        String holder;
        try {
            holder = holder(ch, shared);
        } catch (IOException e) {
            holder = "pid unknown";
        }
        closeQuietly(ch);
        throw new IllegalArgumentException(option + " " + dir + ": in use by another cpm process (" + holder
                + "), expected " + (shared ? "a run no training is writing (wait for it to end)"
                : "a folder no other training writes"));
    }

    /**
     * The lock file, opened for writing; a reader that cannot write it (a run folder shared read-only) opens it
     * for reading, which a shared lock needs, or goes without a lock when the file is not there at all.
     */
    private static FileChannel open(Path dir, boolean shared, String option) {
        Path file = dir.resolve(FILE);
        try {
            if (!shared) {
                Files.createDirectories(dir);
            }
            return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        } catch (IOException e) {
            if (shared) {
                try {
                    return FileChannel.open(file, StandardOpenOption.READ);
                } catch (IOException again) {
                    return null;
                }
            }
            throw new IllegalArgumentException(option + " " + dir + ": cannot open its lock file " + FILE + " ("
                    + e.getMessage() + "), expected a writable folder");
        }
    }

    /** The lock, or null when another process (or another command of this one) holds a conflicting lock. */
    private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
        try {
            return ch.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException sameProcess) {
            return null;
        }
    }

    /**
     * Who holds the lock: an exclusive holder wrote its pid, start and command; if a shared lock can still be
     * had, the holders are evaluations (which write nothing into the file).
     */
    private static String holder(FileChannel ch, boolean wantedShared) throws IOException {
        if (!wantedShared) {
            FileLock probe = tryLock(ch, true);
            if (probe != null) {
                probe.release();
                return "an eval reading the run";
            }
        }
        ByteBuffer buf = ByteBuffer.allocate(512);
        ch.read(buf, 0);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        Matcher pid = PID.matcher(text);
        Matcher started = STARTED.matcher(text);
        Matcher command = COMMAND.matcher(text);
        if (!pid.find()) {
            return "pid unknown";
        }
        boolean alive = ProcessHandle.of(Long.parseLong(pid.group(1))).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
            return "a cpm process that is starting"; // it holds the lock but has not recorded itself yet
        }
        return "pid " + pid.group(1) + (started.find() ? ", started " + started.group(1) : "")
                + (command.find() ? ", " + command.group(1) : "");
    }

    /**
     * Writes who holds the lock (pid, start, {@code command}) into the lock file, for whoever is refused (advisory
     * locks do not stop others reading it). Only the exclusive holder writes there.
     */
    public void record(String command) {
        ProcessHandle self = ProcessHandle.current();
        Instant start = self.info().startInstant().orElse(Instant.now());
        String text = "pid " + self.pid() + "\nstarted " + TIME.format(start) + "\ncommand " + command + "\n";
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot write " + FILE + ": " + e.getMessage(), e);
        }
    }

    /** Releases the lock; the file stays (see the class comment). */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel below releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through it that could be lost
        }
    }
}
