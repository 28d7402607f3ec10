package cpm.nn;

import ai.djl.Model;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Kernels DJL 0.36.0's JNI lacks ({@link Bf16Kernels}' bfloat16 products, {@link GridSample}), as tiny TorchScript
 * modules of two tensor arguments: written here as TorchScript archives (source code, no weights; the format
 * torch.jit.save writes) and loaded by DJL, so nothing is downloaded or prebuilt. libtorch runs them with autograd
 * recording, so gradients flow through them as through any op. Written by hand because no library writes such an
 * archive from Java.
 */
final class ScriptKernels {

    /** c10::ScalarType code TorchScript's serialised source uses for float32. */
    private static final int FP32 = 6;

    /** The loaded kernels, for the life of the process: DJL's finalizer frees a Model nobody holds (block too). */
    private static final Map<String, Model> MODULES = new ConcurrentHashMap<>();

    private ScriptKernels() {
    }

    /**
     * Runs the kernel {@code name}, whose TorchScript expression {@code expr} of x and y is compiled once; the
     * result is cast to float32.
     */
    static NDArray run(String name, String expr, NDArray x, NDArray y) {
        PtSymbolBlock block = (PtSymbolBlock) MODULES.computeIfAbsent(name,
                n -> load(n, "torch.to(" + expr + ", " + FP32 + ")")).getBlock();
        // training = true: DJL then runs the module with autograd on (it is off for inference calls)
        return block.forward(new ParameterStore(x.getManager(), false), new NDList(unnamed(x), unnamed(y)), true)
                .singletonOrThrow();
    }

    /** DJL passes a named array such as a parameter ("conv.weight") as a dict; an unnamed view goes as a tensor. */
    private static NDArray unnamed(NDArray a) {
        return a.getName() == null ? a : a.reshape(a.getShape());
    }

    private static Model load(String name, String body) {
        try {
            Path dir = Files.createTempDirectory("cpm-kernel-");
            Path file = dir.resolve(name + ".pt");
            Files.write(file, archive(name, body));
            try {
                Model model = Model.newInstance(name, "PyTorch");
                model.load(dir, name, Map.of("trainParam", "true")); // libtorch reads the file into memory
                return model;
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("TorchScript kernel " + name + ": " + e.getMessage(), e);
        } catch (MalformedModelException e) {
            throw new IllegalStateException("TorchScript kernel " + name + " did not load: " + e.getMessage(), e);
        }
    }

    /**
     * A TorchScript archive (serialisation format 3) of a module whose forward(x, y) returns {@code body}: the
     * module's source, its pickled object (no attributes but {@code training}) and an empty constants table.
     */
    static byte[] archive(String name, String body) throws IOException {
        String cls = "K";
        String code = "class " + cls + "(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
                + "  def forward(self: __torch__." + cls + ",\n    x: Tensor,\n    y: Tensor) -> Tensor:\n"
                + "    return " + body + "\n";
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(new byte[] {(byte) 0x80, 2});                                   // PROTO 2
        pkl.write(("c__torch__\n" + cls + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL __torch__.K
        pkl.write(new byte[] {')', (byte) 0x81, '}', '(', 'X', 8, 0, 0, 0});       // () NEWOBJ {} MARK str(8)
        pkl.write("training".getBytes(StandardCharsets.US_ASCII));
        pkl.write(new byte[] {(byte) 0x88, 'u', 'b', '.'});                       // True SETITEMS BUILD STOP
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            entry(z, name + "/data.pkl", pkl.toByteArray());
            entry(z, name + "/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            entry(z, name + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            entry(z, name + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    private static void entry(ZipOutputStream z, String name, byte[] b) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED); // torch's reader wants stored records
        e.setSize(b.length);
        e.setCompressedSize(b.length);
        CRC32 crc = new CRC32();
        crc.update(b);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(b);
        z.closeEntry();
    }
}
