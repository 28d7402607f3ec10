package cpm.examples;

import cpm.dsl.Recipe;
import cpm.prompting.GaussianMixture;
import cpm.train.TrainingSession;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Train briefly, then draw class-conditional prompts z ~ p(z | c) from the CCDM's GMM (Eq. 3) and print, for each,
 * the posterior p(c' | z) with a uniform class prior: its top class and probability, and the probability of the
 * class it was drawn from. After enough training the top class is the class drawn from.
 * {@code SamplePrompts [STEPS] [PER_CLASS]} (defaults 20 and 2).
 */
public final class SamplePrompts {

    private SamplePrompts() {
    }

    public static void main(String[] args) {
        int steps = Examples.steps(args, 0, 20);
        int perClass = Math.max(1, Examples.steps(args, 1, 2));
        Recipe recipe = Examples.small().with("classifier.updateInterval", 1);
        try (TrainingSession session = new TrainingSession(recipe)) {
            for (int i = 0; i < steps; i++) {
                session.step();
            }
            System.out.println(prompts(session, perClass, recipe.run().seed()).print(100));
        }
    }

    /** perClass prompts of every sounding class with their posteriors. */
    static Table prompts(TrainingSession session, int perClass, long seed) {
        GaussianMixture g = session.ccdm().mixture();
        List<String> names = session.classes();
        SplittableRandom rng = new SplittableRandom(seed);
        StringColumn drawn = StringColumn.create("drawnFrom");
        IntColumn index = IntColumn.create("prompt");
        StringColumn top = StringColumn.create("topClass");
        DoubleColumn topP = DoubleColumn.create("topProb");
        DoubleColumn ownP = DoubleColumn.create("pDrawnClass");
        for (int c = 1; c < names.size(); c++) {
            float[][] z = g.sample(c, perClass, rng);
            double[][] post = g.posterior(z); // Eq. 1, uniform prior
            for (int i = 0; i < perClass; i++) {
                int best = 0;
                for (int k = 1; k < post[i].length; k++) {
                    if (post[i][k] > post[i][best]) {
                        best = k;
                    }
                }
                drawn.append(names.get(c));
                index.append(i);
                top.append(best < names.size() ? names.get(best) : "no-object");
                topP.append(post[i][best]);
                ownP.append(post[i][c]);
            }
        }
        return Table.create("prompts drawn from the GMM after " + session.stepsDone() + " steps", drawn, index, top,
                topP, ownP);
    }

    /** p(c | z): softmax over classes of the GMM log-likelihoods log p(z | c) (Eq. 2). */

}
