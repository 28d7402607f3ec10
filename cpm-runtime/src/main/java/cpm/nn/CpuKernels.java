package cpm.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.PrintStream;

/**
 * Caps the instruction set of libtorch's oneDNN convolution kernels ({@code ONEDNN_MAX_CPU_ISA=AVX}) for trainings
 * with a bottleneck ResNet (image.backbone resnet50, the paper presets) on the CPU. On the AMD EPYC machines this
 * project is built on, libtorch 2.7.1's oneDNN kills the process with {@code SIGFPE} in
 * {@code brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1} during the backward pass of ResNet-50's 1x1
 * convolutions, with its default ISA and capped at AVX2 or AVX512_CORE alike; capped at AVX (no brgemm kernels) the
 * step runs (docs/devices.md, "oneDNN's instruction set"). The cap is not applied otherwise: it costs the tiny
 * recipes time and makes bfloat16 products several times slower (bench/NOTES.md, change 19).
 *
 * <p>Written by hand because neither DJL nor the libtorch functions its JNI exposes have a switch for it. oneDNN
 * reads the variable once, when it creates its first primitive, so putting it into the process's environment
 * (libc {@code setenv} through JNA, which DJL already brings) before the first convolution is enough; after that it
 * is too late, and a warning says how to set it at start. A value the user set (for instance
 * {@code ONEDNN_MAX_CPU_ISA=ALL} to lift the cap, or {@code AVX} for every recipe) is left alone.
 */
public final class CpuKernels {

    /** The variable oneDNN reads (it also reads the older DNNL_MAX_CPU_ISA when this one is unset). */
    public static final String VARIABLE = "ONEDNN_MAX_CPU_ISA";
    /** The cap: AVX, below the AVX2 / AVX-512 brgemm kernels. */
    public static final String CAP = "AVX";

    private static volatile boolean convolved;
    private static String decided;

    private CpuKernels() {
    }

    /** The C library's environment functions. */
    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    /** Whether a training of this image backbone on the CPU needs the cap. */
    public static boolean needed(String imageBackbone, boolean cpu) {
        return cpu && imageBackbone.equals("resnet50");
    }

    /** Whether this process has run a convolution (after which the cap can no longer take effect). */
    public static boolean convolved() {
        return convolved;
    }

    /** Called by {@link Conv} before every convolution: after the first, the cap can no longer take effect. */
    static void convolving() {
        convolved = true;
    }

    /**
     * Puts the cap into the process environment unless the user chose a value; idempotent.
     *
     * @param log where to warn when a convolution already ran in this process (the cap then comes too late)
     * @return the value oneDNN reads (the user's, or {@link #CAP})
     */
    public static synchronized String apply(PrintStream log) {
        if (decided != null) {
            return decided;
        }
        String own = Holder.C.getenv(VARIABLE);
        String old = Holder.C.getenv("DNNL_MAX_CPU_ISA");
        if (own != null && !own.isEmpty()) {
            decided = own;
        } else if (old != null && !old.isEmpty()) {
            decided = old;
        } else {
            if (convolved) {
                log.println("warning: this process already ran convolutions, so oneDNN's instruction set can no "
                        + "longer be capped for a ResNet-50 training; if it dies with SIGFPE, start it with "
                        + VARIABLE + "=" + CAP + " (docs/devices.md)");
            }
            if (Holder.C.setenv(VARIABLE, CAP, 0) != 0) {
                throw new IllegalStateException("could not set " + VARIABLE + " in the process environment");
            }
            decided = CAP;
        }
        return decided;
    }

    /**
     * Switches libtorch's NNPACK convolutions off (at::globalContext().setUserEnabledNNPACK(false)), once the
     * engine is loaded. On CPUs NNPACK does not support, libtorch 2.7.1 tries to initialise it again at every
     * convolution that might use it and writes "Could not initialize NNPACK! Reason: Unsupported hardware." to
     * stderr each time (about a thousand lines per bench run, ~0.2 ms per call); with the flag off it never asks.
     * Where NNPACK works it is used only for batches of 16 or more without gradient, where oneDNN serves too.
     *
     * @return whether libtorch reports NNPACK off afterwards (false if libtorch_cpu was not found in the process)
     */
    public static synchronized boolean disableNnpack() {
        String lib = loaded("libtorch_cpu.so");
        if (lib == null) {
            return false;
        }
        com.sun.jna.NativeLibrary torch = com.sun.jna.NativeLibrary.getInstance(lib);
        com.sun.jna.Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb").invokeVoid(new Object[] {context, 0});
        return (torch.getFunction("_ZNK2at7Context17userEnabledNNPACKEv").invokeInt(new Object[] {context}) & 0xff)
                == 0;
    }

    /** The path of a shared library this process has loaded, from /proc/self/maps; null if none. */
    static String loaded(String name) {
        try (java.util.stream.Stream<String> maps = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/self/maps"))) {
            return maps.map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(p -> p.endsWith("/" + name))
                    .findFirst().orElse(null);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** The variable's value in the process's own environment (not Java's copy of it taken at start). */
    public static String current() {
        return Holder.C.getenv(VARIABLE);
    }
}
