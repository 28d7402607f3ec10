package cpm.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oneDNN cap reaches the kernels: in a fresh JVM (oneDNN reads the cap at its first primitive, so this test's
 * own JVM, where other tests have convolved, cannot show it) the cap is applied before the first convolution, and
 * then an 8-channel convolution, whose input gradient oneDNN's AVX-512 kernels got wrong on this project's AMD EPYC
 * machine, matches the gradient written out by hand in float64. A value the user set is left alone.
 */
class CpuKernelsTest {

    @Test
    void onlyBottleneckTrainingsOnTheCpuNeedTheCap() {
        assertTrue(CpuKernels.needed("resnet50", true));
        assertFalse(CpuKernels.needed("resnet50", false));
        assertFalse(CpuKernels.needed("resnet18", true));
        assertFalse(CpuKernels.needed("resnet34", true));
    }

    @Test
    void capAppliedBeforeTheFirstConvolutionGivesTheRightInputGradient() throws Exception {
        String out = probe(Map.of());
        assertTrue(out.contains("isa=" + CpuKernels.CAP + " "), out);
        assertTrue(out.contains("ok"), out);
        assertFalse(out.contains("warning"), out);
    }

    @Test
    void theUsersOwnValueIsLeftAlone() throws Exception {
        String out = probe(Map.of(CpuKernels.VARIABLE, "SSE41"));
        assertTrue(out.contains("isa=SSE41 "), out);
        assertTrue(out.contains("ok"), out);
    }

    @Test
    void nnpackOffMeansNoWarningPerConvolution() throws Exception {
        String out = probe(Map.of(), "nnpack");
        assertTrue(out.contains("nnpack-off=true"), out);
        assertFalse(out.contains("NNPACK"), "libtorch still tried NNPACK:\n" + out);
    }

    private static String probe(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xmx512m");
        for (String prop : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add(Probe.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove(CpuKernels.VARIABLE);
        pb.environment().remove("DNNL_MAX_CPU_ISA");
        pb.environment().putAll(env);
        Path log = Files.createTempFile("cpukernels", ".log");
        try {
            Process p = pb.redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe JVM did not finish");
            String out = Files.readString(log);
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The child JVM: cap, then one 8-channel 3x3 convolution's input gradient against the float64 one. */
    public static final class Probe {
        public static void main(String[] args) {
            if (args.length > 0 && args[0].equals("nnpack")) {
                Engine.getInstance();
                System.out.println("nnpack-off=" + CpuKernels.disableNnpack());
                try (NDManager m = NDManager.newBaseManager(); Weights w = new Weights(m.newSubManager(), 3)) {
                    Conv conv = new Conv(w, 8, 8, 3, 1, false); // batch 16 without gradient: NNPACK's case
                    System.out.println("sum=" + conv.forward(m.ones(new Shape(16, 8, 9, 7))).sum().getFloat());
                }
                return;
            }
            String isa = CpuKernels.apply(System.out);
            double[] err = eightChannelGradientError();
            System.out.println("isa=" + isa + " env=" + CpuKernels.current() + " max|error|=" + err[0]
                    + " max|gradient|=" + err[1]);
            if (err[1] > 0.5 && err[0] < 1e-4 * err[1]) {
                System.out.println("ok");
            }
        }
    }

    /** {max |analytic - float64|, max |float64|} of d/dx sum(r * conv(x)) for an 8-channel 3x3 convolution. */
    static double[] eightChannelGradientError() {
        int b = 2;
        int c = 8;
        int h = 9;
        int w = 7;
        SplittableRandom rng = new SplittableRandom(5);
        float[] x = new float[b * c * h * w];
        float[] r = new float[b * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
            r[i] = (float) rng.nextDouble(-1, 1);
        }
        try (NDManager m = NDManager.newBaseManager(); Weights wts = new Weights(m.newSubManager(), 3)) {
            Conv conv = new Conv(wts, c, c, 3, 1, false);
            float[] k = wts.entries().values().iterator().next().array().toFloatArray(); // (out, in, 3, 3)
            NDArray xa = m.create(x, new Shape(b, c, h, w));
            xa.setRequiresGradient(true);
            float[] grad;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = conv.forward(xa).mul(m.create(r, new Shape(b, c, h, w))).sum();
                gc.backward(loss);
                grad = xa.getGradient().toFloatArray();
            }
            // d/dx[n,i,y,x] of sum_{o,y',x'} r[n,o,y',x'] sum_{i,dy,dx} k[o,i,dy,dx] x[n,i,y'+dy-1,x'+dx-1]
            double maxErr = 0;
            double maxRef = 0;
            for (int n = 0; n < b; n++) {
                for (int i = 0; i < c; i++) {
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            double g = 0;
                            for (int o = 0; o < c; o++) {
                                for (int dy = 0; dy < 3; dy++) {
                                    for (int dx = 0; dx < 3; dx++) {
                                        int oy = yy - dy + 1;
                                        int ox = xx - dx + 1;
                                        if (oy >= 0 && oy < h && ox >= 0 && ox < w) {
                                            g += (double) r[((n * c + o) * h + oy) * w + ox]
                                                    * k[((o * c + i) * 3 + dy) * 3 + dx];
                                        }
                                    }
                                }
                            }
                            int at = ((n * c + i) * h + yy) * w + xx;
                            maxErr = Math.max(maxErr, Math.abs(g - grad[at]));
                            maxRef = Math.max(maxRef, Math.abs(g));
                        }
                    }
                }
            }
            return new double[] {maxErr, maxRef};
        }
    }
}
