package cpm.cli;

import cpm.dsl.Recipe;
import cpm.io.AtomicFiles;
import cpm.train.TrainingSession;
import cpm.train.loop.RunFolder;
import cpm.train.loop.TrainRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ./cpm train RECIPE --seeds 1,2,3}: the same recipe under several seeds, one after another, each in its own
 * run folder {@code OUT/seed-S} (so {@code ./cpm eval --run OUT/seed-S} works as for any run), then the mean and the
 * sample standard deviation over seeds of mIoU and F-beta, printed and written to {@code OUT/seeds.csv}.
 */
final class SeedSweep {

    /** Trains one seed's recipe in its folder and prints its line. */
    interface Trainer {
        TrainRun.Result train(Recipe r, Path dir);
    }

    private static final String EXPECTED = "a comma-separated list of seeds (e.g. 1,2,3) or a count K (the seeds S, "
            + "S+1, ..., S+K-1 from --seed or the recipe's run.seed)";

    private final List<Integer> seeds;
    private final Path out;

    SeedSweep(List<Integer> seeds, Path out) {
        this.seeds = seeds;
        this.out = out;
    }

    /** The seeds of {@code --seeds}: a list, or a count starting at {@code --seed} (else {@code recipeSeed}). */
    static List<Integer> parse(String text, Integer firstSeed, int recipeSeed) {
        String t = text.trim();
        if (t.contains(",")) {
            if (firstSeed != null) {
                throw new Main.BadInput("--seed: found " + firstSeed + " with the --seeds list " + t
                        + ", expected --seed only with a --seeds count (it is then the first seed)");
            }
            Set<Integer> list = new LinkedHashSet<>();
            for (String s : t.split(",", -1)) {
                int v = number(s.trim(), t);
                if (!list.add(v)) {
                    throw new Main.BadInput("--seeds: found seed " + v + " twice in " + t + ", expected each seed once");
                }
            }
            return List.copyOf(list);
        }
        int count = number(t, t);
        if (count < 1) {
            throw new Main.BadInput("--seeds: found " + count + ", expected " + EXPECTED);
        }
        int first = firstSeed != null ? firstSeed : recipeSeed;
        if ((long) first + count - 1 > Integer.MAX_VALUE) {
            throw new Main.BadInput("--seeds: found " + count + " seeds from " + first + ", expected the last seed at most "
                    + Integer.MAX_VALUE);
        }
        List<Integer> seeds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            seeds.add(first + i);
        }
        return seeds;
    }

    private static int number(String s, String whole) {
        try {
            int v = Integer.parseInt(s);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Main.BadInput("--seeds: found \"" + whole + "\", expected " + EXPECTED
                + " of whole numbers from 0");
    }

    Path folder(int seed) {
        return out.resolve("seed-" + seed);
    }

    /** Checks every seed's folder first, so that a clash does not stop the sweep after hours of training. */
    void run(Recipe base, Trainer trainer) {
        for (int s : seeds) {
            if (new RunFolder(folder(s)).hasCheckpoint()) {
                throw new Main.BadInput("--out " + folder(s) + ": found a run with checkpoints, expected new folders "
                        + "for --seeds (choose another --out)");
            }
        }
        double[][] scores = new double[4][seeds.size()];
        StringBuilder csv = new StringBuilder("seed,miou,fbeta,miou_silenced,fbeta_silenced,run,protocol\n");
        for (int i = 0; i < seeds.size(); i++) {
            int s = seeds.get(i);
            Cli.err().println("seed " + s + " (" + (i + 1) + " of " + seeds.size() + ")");
            Recipe r = base.derive(base.name(), b -> b.run(x -> x.seed(s)));
            TrainRun.Result res = trainer.train(r, folder(s));
            TrainingSession.EvalResult sil = res.silenced();
            scores[0][i] = res.test().miou();
            scores[1][i] = res.test().fbeta();
            scores[2][i] = sil == null ? Double.NaN : sil.miou();
            scores[3][i] = sil == null ? Double.NaN : sil.fbeta();
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%s,%s%n", s, scores[0][i], scores[1][i],
                    scores[2][i], scores[3][i], folder(s).getFileName(), res.test().protocol()));
        }
        AtomicFiles.writeString(out.resolve("seeds.csv"), csv.toString());
        String list = seeds.stream().map(String::valueOf).collect(Collectors.joining(", "));
        Cli.out().printf(Locale.ROOT, "seeds %s: mIoU %.4f +- %.4f  F-beta %.4f +- %.4f  (mean +- sample sd over %d "
                        + "seeds, %s protocol)%n", list, AblateCommand.mean(scores[0]), AblateCommand.sd(scores[0]),
                AblateCommand.mean(scores[1]), AblateCommand.sd(scores[1]), seeds.size(), base.eval().label());
        Cli.out().println("wrote " + out.resolve("seeds.csv").toAbsolutePath());
    }
}
