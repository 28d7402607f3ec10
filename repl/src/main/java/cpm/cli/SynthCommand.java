package cpm.cli;

import cpm.data.SynthWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./cpm synth --out DIR [--preset P] [--train N] [--test N] [--seed S]}. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write the built-in synthetic data set to disk in the AVSBench-Semantics layout.")
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--preset", defaultValue = "semantic", description = "ss, ms, semantic or stereo (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--train", defaultValue = "200", description = "training clips (default: ${DEFAULT-VALUE})")
    int train;

    @Option(names = "--test", defaultValue = "50", description = "test clips (default: ${DEFAULT-VALUE})")
    int test;

    @Option(names = "--seed", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--size", defaultValue = "96", description = "image size in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--frames", defaultValue = "5", description = "frames per clip (default: ${DEFAULT-VALUE})")
    int frames;

    @Override
    public Integer call() {
        if (!java.util.List.of("ss", "ms", "semantic", "stereo").contains(preset)) {
            throw new Main.BadInput("--preset: found \"" + preset + "\", expected one of ss, ms, semantic, stereo");
        }
        if (train < 1 || test < 1 || size < 16 || frames < 1) {
            throw new Main.BadInput("--train/--test/--frames: expected at least 1, --size at least 16");
        }
        SynthWriter.write(out, preset, train, test, seed, size, frames);
        Cli.out().println("wrote " + train + " training and " + test + " test clips (" + preset + ") to " + out);
        return 0;
    }
}
