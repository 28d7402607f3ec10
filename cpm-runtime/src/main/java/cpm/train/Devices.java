package cpm.train;

import ai.djl.Device;
import cpm.dsl.Sections;

/** Where a training runs: run.device (auto, cpu, gpu, gpu:N) against the GPUs the engine sees. */
final class Devices {

    private Devices() {
    }

    /**
     * @param gpus the engine's GPU count (0 with the CPU libtorch the build ships; ./cpm --gpu loads a CUDA one)
     */
    static Device choose(Sections.Run run, int gpus) {
        String d = run.device();
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        if (d.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        int index = run.gpuIndex();
        if (gpus == 0) {
            throw new IllegalArgumentException("run.device: found " + d + ", expected cpu or auto (no GPU is "
                    + "visible: start with ./cpm --gpu or CPM_LIBTORCH=DIR, a libtorch 2.7.1+cu128; see docs/devices.md)");
        }
        if (index >= gpus) {
            throw new IllegalArgumentException("run.device: found " + d + ", expected gpu:0.." + (gpus - 1) + " ("
                    + gpus + " GPU" + (gpus == 1 ? "" : "s") + " visible)");
        }
        return Device.gpu(index);
    }
}
