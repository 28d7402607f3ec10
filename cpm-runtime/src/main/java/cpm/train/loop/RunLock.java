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
import java.util.HashMap;
import java.util.Map;
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
 * <p>
 * Locks this process holds are also kept in a table and checked there first: on Linux, closing any descriptor of
 * the file drops all of the process's locks on it, so a second attempt from this process must never open the
 * file (a refused {@code train} in the REPL's JVM would otherwise unlock a running one).
 */
public final class RunLock implements AutoCloseable {

    static final String FILE = ".lock";
    private static final Pattern PID = Pattern.compile("pid (\\d+)");
    private static final Pattern STARTED = Pattern.compile("started (.+)");
    private static final Pattern COMMAND = Pattern.compile("command (.+)");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    /** The locks of this process, by lock file (real path); guarded by itself. */
    private static final Map<Path, RunLock> HELD = new HashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private int users = 1; // shared locks of this process share one OS lock
    private String command;

    private RunLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
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
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot create it (" + e.getMessage()
                    + "), expected a writable folder");
        }
        return acquire(dir, false, option);
    }

    /** Locks {@code dir} shared, for reading a run ({@code eval}): refused while a training holds it. */
    public static RunLock shared(Path dir, String option) {
        return Files.isDirectory(dir) ? acquire(dir, true, option) : null; // no folder: nothing to read or guard
    }

    /**
     * The lock, or null where the file system cannot lock (some network file systems): the folder is then used
     * unguarded, as before locks existed.
     */
    private static RunLock acquire(Path dir, boolean shared, String option) {
        synchronized (HELD) {
            Path key;
            try {
                key = dir.toRealPath().resolve(FILE);
            } catch (IOException e) {
                throw new IllegalArgumentException(option + " " + dir + ": cannot resolve it (" + e.getMessage()
                        + "), expected a folder");
            }
            RunLock mine = HELD.get(key);
            if (mine != null) {
                if (shared && mine.lock.isShared()) {
                    mine.users++;
                    return mine;
                }
                throw refused(option, dir, shared, mine.describe());
            }
            FileChannel ch = open(key, shared, option, dir);
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
            if (l == null) {
                String holder;
                try {
                    holder = holder(ch, shared);
                } catch (IOException e) {
                    holder = "pid unknown";
                }
                closeQuietly(ch);
                throw refused(option, dir, shared, holder);
            }
            RunLock lock = new RunLock(key, ch, l);
            HELD.put(key, lock);
            return lock;
        }
    }

    private static IllegalArgumentException refused(String option, Path dir, boolean shared, String holder) {
        return new IllegalArgumentException(option + " " + dir + ": in use by another cpm process (" + holder
                + "), expected " + (shared ? "a run no training is writing (wait for it to end)"
                : "a folder no other training writes"));
    }

    /**
     * The lock file, opened for writing; a reader that cannot write it (a run folder shared read-only) opens it
     * for reading, which a shared lock needs, or goes without a lock when the file is not there at all.
     */
    private static FileChannel open(Path file, boolean shared, String option, Path dir) {
        try {
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

    /** The lock, or null when another process holds a conflicting one. */
    private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
        try {
            return ch.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException thisProcessOutsideTheTable) {
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

    /** This process as the holder of one of its locks, in the words {@link #holder} uses for others. */
    private String describe() {
        if (lock.isShared()) {
            return "an eval reading the run";
        }
        return "pid " + ProcessHandle.current().pid() + ", started " + TIME.format(started())
                + (command == null ? "" : ", " + command);
    }

    private static Instant started() {
        return ProcessHandle.current().info().startInstant().orElse(Instant.now());
    }

    /**
     * Writes who holds the lock (pid, start, {@code command}) into the lock file, for whoever is refused (advisory
     * locks do not stop others reading it). Only the exclusive holder writes there.
     */
    public void record(String command) {
        this.command = command;
        String text = "pid " + ProcessHandle.current().pid() + "\nstarted " + TIME.format(started()) + "\ncommand "
                + command + "\n";
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot write " + FILE + ": " + e.getMessage(), e);
        }
    }

    /** Releases the lock (once its last user in this process closes it); the file stays (see the class comment). */
    @Override
    public void close() {
        synchronized (HELD) {
            if (--users > 0) {
                return;
            }
            if (HELD.get(key) == this) {
                HELD.remove(key);
            }
            try {
                if (lock.isValid()) {
                    lock.release();
                }
            } catch (IOException ignored) {
                // closing the channel below releases it too
            }
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through it that could be lost
        }
    }
}
