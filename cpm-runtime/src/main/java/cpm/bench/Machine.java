package cpm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the process and machine a benchmark ran on: resident memory, load average, cores. */
public final class Machine {

    private Machine() {
    }

    /** Resident set size of this process in MiB (VmRSS of /proc/self/status; NaN where there is no /proc). */
    public static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] p = line.substring(6).trim().split("\\s+");
                    return Double.parseDouble(p[0]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** The 1-, 5- and 15-minute load averages as /proc/loadavg gives them ("?" where unknown). */
    public static String load() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
