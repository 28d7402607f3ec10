package cpm.cli;

import cpm.data.DataCheck;
import cpm.data.DataException;
import cpm.data.DataLayout;
import cpm.dsl.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./cpm data check PATH [--kind KIND] [--recipe RECIPE] [--audio DIR]}. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data set tools.",
        subcommands = DataCommand.Check.class)
final class DataCommand extends CommandGroup {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check a data set on disk without training, with the rules training applies: every "
                    + "problem found (at most --max-per-kind lines of each kind), then a summary (clips and "
                    + "labelled frames per split, classes, image sizes, audio durations and rates).",
                "Exit status 0 when there is no problem, 2 when there is any."})
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "PATH")
        Path path;

        @Option(names = "--kind", description = "avss, s4, ms3, vpo-ss, vpo-ms, vpo-msmi (default: the recipe's "
                + "data.kind, else the folder's layout as --data detects it, else avss; synthetic sets use avss)")
        String kind;

        @Option(names = "--recipe", paramLabel = "RECIPE", description = "check as this recipe would train: its "
                + "data.kind, data.classes, data.framesPerClip, data.audioPath, audio.channels and "
                + "audio.secondsPerFrame")
        String recipe;

        @Option(names = "--audio", paramLabel = "DIR", description = "VPO: the VGGSound folder holding "
                + "audios/<vgg_file>.wav (default: the recipe's data.audioPath)")
        String audio;

        @Option(names = "--max-per-kind", paramLabel = "N", defaultValue = "20",
                description = "problem lines printed per kind of problem (default: ${DEFAULT-VALUE})")
        int maxPerKind;

        @Override
        public Integer call() {
            DataCheck.Settings settings = DataCheck.Settings.DEFAULT;
            String k = kind;
            if (recipe != null) {
                Recipe r = Cli.recipe(recipe);
                settings = DataCheck.Settings.of(r);
                k = k != null ? k : r.data().kind();
            }
            k = k != null ? k : detected(path);
            if (audio != null) {
                settings = settings.withAudioPath(audio);
            }
            if (maxPerKind < 1) {
                throw new Main.BadInput("--max-per-kind: found " + maxPerKind + ", expected a count of 1 or more");
            }
            DataCheck.Report report = DataCheck.run(path, k, settings);
            report.problemLines(maxPerKind).forEach(Cli.out()::println);
            Cli.out().println("data set " + path + " (" + k + "):");
            report.summary().lines().forEach(Cli.out()::println);
            if (report.problems().isEmpty()) {
                Cli.out().println("ok: no problems found in " + path + " (" + k + ")");
                return 0;
            }
            Cli.err().println("cpm: " + report.problems().size() + " problem(s) in " + path + " ("
                    + report.countsByKind() + ")");
            return 2;
        }

        /**
         * The kind of the folder's layout, as {@code train --data} detects it (said on stderr); avss, with a note,
         * when it fits no layout or several, so the check itself lists what is wrong with the folder.
         */
        private static String detected(Path root) {
            if (!java.nio.file.Files.isDirectory(root)) {
                return "avss"; // the check names the missing folder
            }
            try {
                DataLayout.Detected d = DataLayout.detect(root);
                String k = d.kind().equals("synthetic") ? "avss" : d.kind();
                Cli.err().println("data: " + root + " (" + k + ", from " + d.evidence() + ")");
                return k;
            } catch (DataException e) {
                Cli.err().println("note: " + e.getMessage() + "; checking as avss (--kind KIND says otherwise)");
                return "avss";
            }
        }
    }
}
