package cpm.cli;

import cpm.dsl.Recipe;
import cpm.model.AvsModel;
import cpm.model.WeightsReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./cpm weights check FILE --recipe RECIPE [--part image|audio] [--names N] [--keys] [--set F=V]...}. */
@Command(name = "weights", mixinStandardHelpOptions = true, description = "Pretrained weight tools.",
        subcommands = WeightsCommand.Check.class)
final class WeightsCommand extends CommandGroup {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Match a pretrained weight file (.safetensors or .npz) against a recipe's backbone without "
                    + "training: the format, the name scheme and prefix found, the tensors loaded, adapted, missing, "
                    + "of another shape and unused (the report training writes to RUN/weights-report.txt).",
                "Exit status 0 for a full match, 2 when any required tensor is missing or has another shape, or the "
                    + "file is unreadable."})
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "FILE", description = "the weight file")
        Path file;

        @Option(names = "--recipe", paramLabel = "RECIPE", required = true,
                description = "the recipe whose backbone the file should fit (a preset name, .json or .jsh)")
        String recipe;

        @Option(names = "--part", paramLabel = "PART", defaultValue = "image",
                description = "image (image.backbone) or audio (audio.backbone) (default: ${DEFAULT-VALUE})")
        String part;

        @Option(names = "--names", paramLabel = "SCHEME", description = "auto, torchvision, timm or transformers "
                + "(default: the recipe's image/audio.pretrainedNames)")
        String names;

        @Option(names = "--keys", description = "also list every loaded tensor and every unused key")
        boolean keys;

        @Mixin
        SetOption set;

        @Override
        public Integer call() {
            if (!part.equals("image") && !part.equals("audio")) {
                throw new Main.BadInput("--part: found \"" + part + "\", expected image or audio");
            }
            if (names != null && !java.util.List.of("auto", "torchvision", "timm", "transformers").contains(names)) {
                throw new Main.BadInput("--names: found \"" + names + "\", expected auto, torchvision, timm or "
                        + "transformers");
            }
            Recipe r = Cli.recipe(recipe, set);
            WeightsReport report = AvsModel.checkPretrained(r, part, file, names);
            Cli.out().print(report.text(keys));
            if (report.ok()) {
                return 0;
            }
            Cli.err().println("cpm: " + report.problem());
            return 2;
        }
    }
}
