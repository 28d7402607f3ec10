package cpm.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code ./cpm} in a separate JVM (for what needs a process of its own: signals, a small heap), output to a file. */
final class ChildCpm {

    private ChildCpm() {
    }

    /** Starts {@code cpm.cli.Main args} with the test JVM's class path and the given heap limit (e.g. "1g"). */
    static Process start(String heap, Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xmx" + heap);
        for (String prop : List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "java.awt.headless")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("cpm.cli.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
