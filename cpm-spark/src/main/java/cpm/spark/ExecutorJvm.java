package cpm.spark;

import ai.djl.engine.Engine;
import org.apache.spark.SparkFiles;

import java.nio.file.Path;

/**
 * What an executor's JVM needs before its first task trains or evaluates: libtorch found offline, from the
 * pytorch-native-cpu jar on the class path, unpacked into a DJL cache of this executor's own (two executors on one
 * machine never unpack into one folder), and pictures drawn without a display. Settings the cluster's
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
            // the executor's own folder (its working folder on a worker), removed with it
            String cache = Path.of(SparkFiles.getRootDirectory(), "djl-cache").toAbsolutePath().toString();
            System.setProperty("DJL_CACHE_DIR", cache);
            System.setProperty("ENGINE_CACHE_DIR", cache);
        }
        Engine.getInstance(); // unpacks and loads libtorch once, before tasks run side by side
        ready = true;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
