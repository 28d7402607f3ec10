package cpm.spark;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an executor's JVM needs before its first task trains or evaluates: libtorch found offline, from the
 * pytorch-native-cpu jar on the class path, unpacked into a DJL cache of this executor's own (two executors on one
 * machine never unpack into one folder; java.io.tmpdir, spark.executor.extraJavaOptions can move it), and pictures drawn without a display. Settings the cluster's
 * {@code spark.executor.extraJavaOptions} gives win.
 */
final class ExecutorJvm {

    private static boolean ready;

    private ExecutorJvm() {
    }

    static synchronized void prepare() {
        if (ready) {
            return;
        }
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("java.awt.headless", "true");
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            // a folder of this executor's own (libtorch unpacked is ~430 MB), removed when the executor ends
            Path cache = ownFolder();
            System.setProperty("DJL_CACHE_DIR", cache.toString());
            System.setProperty("ENGINE_CACHE_DIR", cache.toString());
        }
        Engine.getInstance(); // unpacks and loads libtorch once, before tasks run side by side
        ready = true;
    }

    private static Path ownFolder() {
        try {
            Path dir = Files.createTempDirectory("cpm-djl-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> RunTask.delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the executor's DJL cache in "
                    + System.getProperty("java.io.tmpdir"), e);
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
