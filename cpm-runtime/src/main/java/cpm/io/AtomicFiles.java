package cpm.io;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every file the toolkit writes goes through here: into a temporary file beside the target, then renamed into
 * place, so a crash leaves either the old file or the new one, never half of one. The content is forced to the
 * disk before the rename, so this holds for a power cut too (where the file system orders metadata after data).
 * <p>
 * What the target is decides how (docs/reliability.md, "Files"):
 * <ul>
 * <li>a new file gets the mode a plain create gives under the user's umask (the temporary file is created
 *     plainly, not with {@code Files.createTempFile}'s private 600), so a run folder can be shared;</li>
 * <li>an existing regular file keeps its permissions: the new file takes them before the rename;</li>
 * <li>a symbolic link stays a link: the chain of links is followed and the file it ends at is written
 *     atomically, beside itself (a dangling link creates the file it names);</li>
 * <li>a special file (a FIFO, a device such as /dev/null) is written through, with no temporary file and no
 *     rename, since renaming over it would replace it with a plain file; such a write is not atomic;</li>
 * <li>a folder is an error naming the path.</li>
 * </ul>
 */
public final class AtomicFiles {

    /** Links followed before giving up, as Linux's ELOOP limit. */
    private static final int MAX_LINKS = 40;

    /** Writes the content of a stream to a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path target, Writer writer) {
        Path tmp = null;
        try {
            Path real = resolveLinks(target);
            if (Files.isDirectory(real)) {
                throw new FileSystemException(real.toString(), null, "found a folder, expected a file");
            }
            if (Files.exists(real) && !Files.isRegularFile(real)) {
                writeThrough(real, writer);
                return;
            }
            Path dir = real.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            tmp = createPlainly(dir, real.getFileName().toString());
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel))) {
                writer.write(unclosable(out));
                out.flush();
                channel.force(false); // the bytes reach the disk before the rename can
            }
            keepPermissions(real, tmp);
            try {
                Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    public static void write(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The file a path ends at once its symbolic links are followed (the path itself when it is no link). The file
     * need not exist: a dangling link gives the path it names. Relative links are resolved against the link's
     * folder, as the operating system does.
     */
    public static Path resolveLinks(Path path) throws IOException {
        Path p = path.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) {
                throw new FileSystemException(path.toString(), null, "found more than " + MAX_LINKS
                        + " symbolic links in a row (a loop?), expected a chain that ends at a file");
            }
            p = p.getParent().resolve(Files.readSymbolicLink(p));
        }
        return p;
    }

    /** Whether a file is one of the temporary files {@link #write} creates (".NAME.random.tmp"). */
    public static boolean isTemporary(Path file) {
        String n = file.getFileName().toString();
        return n.startsWith(".") && n.endsWith(".tmp") && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * A new empty file ".NAME.random.tmp" in {@code dir}, created as any program creates a file, so that its mode
     * is what the umask (and the folder's default ACL) gives a new file.
     */
    private static Path createPlainly(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                    + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }

    /** Gives the replacement the permissions of the regular file it replaces (none to keep for a new file). */
    private static void keepPermissions(Path replaced, Path replacement) throws IOException {
        if (!Files.isRegularFile(replaced)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(replaced);
            Files.setPosixFilePermissions(replacement, perms);
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX modes: the new file keeps what its creation gave
        }
    }

    /** Writes straight into a FIFO or device: no rename, so it stays what it is; no fsync (pipes refuse it). */
    private static void writeThrough(Path special, Writer writer) throws IOException {
        try (OutputStream out = new BufferedOutputStream(new FileOutputStream(special.toFile()))) {
            writer.write(unclosable(out));
        }
    }

    /** A writer that closes its stream (a CSV printer, an image writer) must not close the file before the fsync. */
    private static OutputStream unclosable(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }
}
