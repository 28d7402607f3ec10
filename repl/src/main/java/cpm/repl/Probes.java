package cpm.repl;

import cpm.eval.InferenceMerge;
import cpm.eval.SegmentationMetrics;
import cpm.prompting.GaussianMixture;
import cpm.prompting.GmmDiagnostics;
import cpm.train.PredictionPictures;
import cpm.train.SessionProbes;
import cpm.train.TrainingSession;
import cpm.viz.Pictures;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The REPL's questions to a live session: evaluation, per-class scores, the class-conditional distributions
 * (CCDM, Eq. 1-4) and prompts drawn from them, what those prompts segment through the decoder (VCP, Eq. 6; ACP
 * audio masks, Eq. 5), the Hungarian assignment of a training item (Sec. 3.1), matching stability (Sec. 4.5) and
 * coverage (Fig. 3b). Each answers with a Tablesaw table (bound as {@code last}) or a picture path.
 */
final class Probes {

    private final Workbench wb;
    private long promptDraws;

    Probes(Workbench wb) {
        this.wb = wb;
    }

    void install(MetaCommands m) {
        m.register("eval", "[SPLIT]", "evaluate on a split (default test) under the recipe's protocol",
                "Scores at most eval.maxItems frames. Binds `evaluation`; :classes and :coverage read it.",
                (a, c) -> eval(a.isBlank() ? "test" : a.strip()));
        m.register("classes", "", "per-class IoU and F-beta of the last :eval", (a, c) -> classes());
        m.register("gmm", "[CLASS]", "the class-conditional GMM (CCDM): weight, mean norm, spread per component",
                "spread = the root mean variance over dimensions (a component's typical radius per axis).\n"
                        + "CLASS is a name (bell) or an index; without it every class, no-object last.",
                (a, c) -> gmm(a));
        m.register("prompts", "CLASS [N]", "draw N prompts of a class from its GMM (default 5) with their posteriors",
                "Each prompt z ~ p(z | CLASS) (Eq. 3) with the GMM posterior p(c | z) (uniform prior): its top class\n"
                        + "and probability, the probability of CLASS, and the distance to the nearest mean of CLASS\n"
                        + "and of any other class. With the softmax classifier: the learned point prompts instead.",
                (a, c) -> prompts(a));
        m.register("probe", "CLASS [ITEM] [N]", "VCP in action: N sampled prompts of CLASS segment test item ITEM",
                "The prompts go through the decoder (the CPM workflow, Eq. 6) on test item ITEM (default: the first\n"
                        + "test item where CLASS is present); the masks\n"
                        + "they find are drawn one row per prompt (image | CLASS's ground truth | prompt mask | error map,\n"
                        + "the IoU in the title), and the ACP audio masks over the spectrogram, one panel per prompt. The\n"
                        + "table gives each mask's area, its IoU with CLASS's ground truth and the decoder's probability\n"
                        + "for CLASS.",
                (a, c) -> probe(a));
        m.register("match", "[ITEM]", "the Hungarian assignment of training item ITEM: query, class, cost terms",
                "Matches the last decoder layer's predictions to the item's segments as training does (Sec. 3.1),\n"
                        + "with the weighted class, mask (BCE) and dice costs of each matched pair.",
                (a, c) -> match(a));
        m.register("sts", "", "matching stability: per-class entropy of query assignments and the STS score",
                "STS (Sec. 4.5) is the mean over classes of the entropy (nats) of the queries each class was\n"
                        + "matched to, over the items seen in training so far. Lower is more stable.",
                (a, c) -> sts());
        m.register("coverage", "", "the coverage score (Fig. 3b) of the last :eval", (a, c) -> coverage());
        m.register("show", "ITEM", "draw the prediction for test item ITEM next to the ground truth (PNG path)",
                (a, c) -> show(a));
    }

    private <T> T onSnippetThread(Callable<T> body) throws Exception {
        return wb.engine().call(body);
    }

    // ------------------------------------------------------------------------------------------------ eval

    private Object eval(String split) throws Exception {
        TrainingSession s = wb.requireSession();
        if (!List.of("train", "val", "test").contains(split)) {
            throw new IllegalArgumentException("split \"" + split + "\": expected train, val or test");
        }
        TrainingSession.EvalResult e = onSnippetThread(
                () -> s.evaluate(split, s.recipe().eval().maxItems(), false));
        wb.setLastEval(e);
        Table t = Table.create(String.format(Locale.ROOT, "eval %s at step %d", split, s.stepsDone()),
                StringColumn.create("split", List.of(split)), StringColumn.create("protocol", List.of(e.protocol())),
                DoubleColumn.create("miou", new double[] {e.miou()}),
                DoubleColumn.create("fbeta", new double[] {e.fbeta()}), IntColumn.create("images", new int[] {e.images()}),
                DoubleColumn.create("coverage", new double[] {e.coverage()}));
        return t;
    }

    private TrainingSession.EvalResult requireEval() {
        TrainingSession.EvalResult e = wb.lastEval();
        if (e == null) {
            throw new IllegalStateException("no evaluation yet: :eval [SPLIT] runs one");
        }
        return e;
    }

    private Object classes() {
        TrainingSession.EvalResult e = requireEval();
        IntColumn idx = IntColumn.create("class");
        StringColumn name = StringColumn.create("name");
        DoubleColumn iou = DoubleColumn.create("iou");
        DoubleColumn f = DoubleColumn.create("fbeta");
        LongColumn px = LongColumn.create("pixels");
        int i = 0;
        for (SegmentationMetrics.ClassScore c : e.perClass()) {
            idx.append(i++);
            name.append(c.name());
            iou.append(c.iou());
            f.append(c.fbeta());
            px.append(c.pixels());
        }
        return Table.create(String.format(Locale.ROOT, "per class, %s (%s protocol, %d images)", e.split(),
                e.protocol(), e.images()), idx, name, iou, f, px);
    }

    private Object coverage() {
        TrainingSession.EvalResult e = requireEval();
        return Table.create("coverage (Fig. 3b)", StringColumn.create("split", List.of(e.split())),
                DoubleColumn.create("coverage", new double[] {e.coverage()}),
                IntColumn.create("images", new int[] {e.images()}));
    }

    // ------------------------------------------------------------------------------------------------ classes

    /** A class by name (case-insensitive) or index; {@code noObject} also accepts C / "no-object". */
    static int classIndex(String arg, List<String> names, boolean noObject) {
        String a = arg.strip();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(a)) {
                return i;
            }
        }
        int max = names.size() - (noObject ? 0 : 1);
        if (noObject && a.equalsIgnoreCase("no-object")) {
            return names.size();
        }
        try {
            int k = Integer.parseInt(a);
            if (k >= 0 && k <= max) {
                return k;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new IllegalArgumentException("class \"" + a + "\": expected one of " + String.join(", ", names)
                + (noObject ? ", no-object" : "") + " or an index 0.." + max);
    }

    private static String nameOf(int k, List<String> names) {
        return k < names.size() ? names.get(k) : "no-object";
    }

    private GaussianMixture requireGmm(TrainingSession s) {
        if (s.ccdm() == null) {
            throw new IllegalStateException("the recipe uses the softmax classifier (classifier.kind = softmax): there"
                    + " is no GMM; :prompts shows the learned point prompts instead");
        }
        return s.ccdm().mixture();
    }

    private Object gmm(String args) throws Exception {
        TrainingSession s = wb.requireSession();
        GaussianMixture g = requireGmm(s);
        List<String> names = s.classes();
        List<Integer> which = new ArrayList<>();
        if (args.isBlank()) {
            for (int k = 0; k < g.classes(); k++) {
                which.add(k);
            }
        } else {
            which.add(classIndex(args, names, true));
        }
        IntColumn cls = IntColumn.create("class");
        StringColumn name = StringColumn.create("name");
        IntColumn comp = IntColumn.create("component");
        DoubleColumn weight = DoubleColumn.create("weight");
        DoubleColumn norm = DoubleColumn.create("meanNorm");
        DoubleColumn spread = DoubleColumn.create("spread");
        StringColumn fitted = StringColumn.create("fitted");
        for (int k : which) {
            double[] w = g.weights(k);
            double[][] mu = g.means(k);
            double[][] var = g.variances(k);
            for (int m = 0; m < g.components(); m++) {
                cls.append(k);
                name.append(nameOf(k, names));
                comp.append(m);
                weight.append(w[m]);
                norm.append(norm(mu[m]));
                double v = 0;
                for (double x : var[m]) {
                    v += x;
                }
                spread.append(Math.sqrt(v / var[m].length));
                fitted.append(g.fitted(k) ? "yes" : "no");
            }
        }
        GmmDiagnostics d = onSnippetThread(s::gmmDiagnostics);
        return Table.create(String.format(Locale.ROOT, "CCDM: %d components per class, dim %d, step %d; variances at the"
                        + " floor %.3f, largest cosine between components of a class %.3f, bank accuracy %.3f, no-object"
                        + " bank accuracy %.3f, prompt norm %.3f, prompt posterior of its class %.3f",
                g.components(), g.dim(), s.stepsDone(), d.floorShare(), d.maxComponentCos(), d.bankAccuracy(),
                d.noObjectAccuracy(), d.promptNorm(), d.promptPosterior()), cls, name, comp, weight, norm, spread,
                fitted);
    }

    // ------------------------------------------------------------------------------------------------ prompts

    /** The seed of the {@code draw}-th prompt draw of a workbench (draws are numbered from 0). */
    static long promptSeed(long runSeed, long draw) {
        return SessionProbes.promptSeed(runSeed, draw);
    }

    /** n prompts of class k: GMM draws, or the learned point prompt repeated (softmax). Rows of (n, D_q). */
    private float[][] drawPrompts(TrainingSession s, int k, int n) throws Exception {
        if (s.ccdm() != null) {
            return SessionProbes.gmmPrompts(s, k, n, promptSeed(s.recipe().run().seed(), promptDraws++));
        }
        return onSnippetThread(() -> SessionProbes.pointPrompts(s, k, n));
    }

    private Object prompts(String args) throws Exception {
        TrainingSession s = wb.requireSession();
        String[] a = args.isBlank() ? new String[0] : args.strip().split("\\s+");
        if (a.length < 1 || a.length > 2) {
            throw new IllegalArgumentException("usage: :prompts CLASS [N]");
        }
        List<String> names = s.classes();
        int k = classIndex(a[0], names, s.ccdm() != null);
        int n = a.length > 1 ? Workbench.parseCount(a[1], "usage: :prompts CLASS [N]") : 5;
        float[][] z = drawPrompts(s, k, n);
        if (s.ccdm() == null) {
            return pointPromptTable(s, k, z);
        }
        List<SessionProbes.PromptPlace> places = onSnippetThread(() -> SessionProbes.place(s.ccdm().classifier(), k,
                z)); // Eq. 1
        IntColumn idx = IntColumn.create("prompt");
        DoubleColumn zNorm = DoubleColumn.create("norm");
        StringColumn top = StringColumn.create("topClass");
        DoubleColumn topP = DoubleColumn.create("topProb");
        DoubleColumn ownP = DoubleColumn.create("p(" + nameOf(k, names) + ")");
        DoubleColumn own = DoubleColumn.create("distOwnMean");
        StringColumn otherName = StringColumn.create("nearestOther");
        DoubleColumn other = DoubleColumn.create("distOtherMean");
        for (int i = 0; i < n; i++) {
            SessionProbes.PromptPlace p = places.get(i);
            idx.append(i);
            zNorm.append(p.norm());
            top.append(nameOf(p.topClass(), names));
            topP.append(p.topProb());
            ownP.append(p.ownProb());
            own.append(p.distOwnMean());
            otherName.append(p.nearestOther() < 0 ? "" : nameOf(p.nearestOther(), names));
            other.append(p.distOtherMean());
        }
        return Table.create(String.format(Locale.ROOT, "%d prompts of %s drawn from the GMM (posterior p(c|z): the"
                + " classifier head's softmax)", n, nameOf(k, names)), idx, zNorm, top, topP, ownP, own, otherName, other);
    }

    private Table pointPromptTable(TrainingSession s, int k, float[][] z) throws Exception {
        List<String> names = s.classes();
        float[][] all = drawAllPoints(s);
        IntColumn idx = IntColumn.create("prompt");
        DoubleColumn zNorm = DoubleColumn.create("norm");
        StringColumn otherName = StringColumn.create("nearestOther");
        DoubleColumn other = DoubleColumn.create("distOtherPoint");
        for (int i = 0; i < z.length; i++) {
            double best = Double.POSITIVE_INFINITY;
            int bestK = -1;
            for (int c = 0; c < all.length; c++) {
                if (c != k) {
                    double dist = distance(toDouble(z[i]), toDouble(all[c]));
                    if (dist < best) {
                        best = dist;
                        bestK = c;
                    }
                }
            }
            idx.append(i);
            zNorm.append(norm(toDouble(z[i])));
            otherName.append(bestK < 0 ? "" : names.get(bestK));
            other.append(best);
        }
        return Table.create("learned point prompt of " + names.get(k) + " (softmax classifier: one fixed prompt per"
                + " class, no posterior)", idx, zNorm, otherName, other);
    }

    private float[][] drawAllPoints(TrainingSession s) throws Exception {
        float[][] out = new float[s.numClasses()][];
        for (int c = 0; c < out.length; c++) {
            out[c] = drawPrompts(s, c, 1)[0];
        }
        return out;
    }

    static double norm(double[] v) {
        return SessionProbes.norm(v);
    }

    static double distance(double[] a, double[] b) {
        return SessionProbes.distance(a, b);
    }

    private static double[] toDouble(float[] v) {
        return SessionProbes.toDouble(v);
    }

    private static int itemArg(String s, String usage) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage + "; found \"" + s.strip() + "\", expected an item number");
        }
    }

    private Object show(String args) throws Exception {
        TrainingSession s = wb.requireSession();
        if (args.isBlank()) {
            throw new IllegalArgumentException("usage: :show ITEM (a test item number)");
        }
        int item = itemArg(args, "usage: :show ITEM");
        Path file = wb.runFolder().picture(String.format(Locale.ROOT, "show-test-%03d-step%d.png", item,
                s.stepsDone()));
        onSnippetThread(() -> SessionProbes.withItem(s, "test", item, (batch, b, m, data) -> {
            InferenceMerge.Merged merged = s.predict(batch, false, null);
            Pictures.writePng(PredictionPictures.overlay(batch, b, merged.labels().get(b), data.classes(),
                    batch.ids().get(b) + " frame " + batch.frames()[b] + ", step " + s.stepsDone()), file);
            return null;
        }));
        return "|  wrote " + file.toAbsolutePath();
    }

    private Object match(String args) throws Exception {
        TrainingSession s = wb.requireSession();
        int item = args.isBlank() ? 0 : itemArg(args, "usage: :match [ITEM]");
        SessionProbes.ItemMatch r = onSnippetThread(() -> SessionProbes.match(s, item));
        Table t = r.detailed().table();
        t.setName(String.format(Locale.ROOT, "matching of train item %d (%s frame %d), step %d", item, r.id(),
                r.frame(), s.stepsDone()));
        return wb.withClassNames(t, "class", s.classes());
    }

    private Object sts() {
        TrainingSession s = wb.requireSession();
        Table t = s.stability().perClass();
        wb.withClassNames(t, "class", s.classes());
        t.setName(String.format(Locale.ROOT, "STS = %.4f nats over %d items (lower is more stable; ln N = %.4f)",
                s.stability().score(), s.stability().items(), Math.log(s.recipe().queries().count())));
        return t;
    }

    // ------------------------------------------------------------------------------------------------ probe

    private Object probe(String args) throws Exception {
        TrainingSession s = wb.requireSession();
        String usage = "usage: :probe CLASS [ITEM] [N]";
        String[] a = args.isBlank() ? new String[0] : args.strip().split("\\s+");
        if (a.length < 1 || a.length > 3) {
            throw new IllegalArgumentException(usage);
        }
        List<String> names = s.classes();
        int k = classIndex(a[0], names, false);
        int item = a.length > 1 ? itemArg(a[1], usage) : SessionProbes.firstItemWith(s, "test", k);
        int n = a.length > 2 ? Workbench.parseCount(a[2], usage) : (s.ccdm() != null ? 3 : 1);
        float[][] z = drawPrompts(s, k, n);
        String stem = String.format(Locale.ROOT, "probe-%s-test%03d-step%d", names.get(k), item, s.stepsDone());
        Path masksPng = wb.runFolder().picture(stem + ".png");
        Path audioPng = wb.runFolder().picture(stem + "-audio.png");
        SessionProbes.Probe p = onSnippetThread(() -> SessionProbes.probe(s, "test", item, k, z));
        IntColumn idx = IntColumn.create("prompt");
        DoubleColumn area = DoubleColumn.create("maskArea");
        DoubleColumn iou = DoubleColumn.create("iouWithClass");
        DoubleColumn prob = DoubleColumn.create("p(" + names.get(k) + ")");
        DoubleColumn gtArea = DoubleColumn.create("classArea");
        List<BufferedImage> rows = new ArrayList<>();
        List<String> labelsText = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SessionProbes.PromptMask pm = p.prompts().get(i);
            idx.append(i);
            area.append(pm.area());
            iou.append(pm.iou());
            prob.append(pm.prob());
            gtArea.append(p.classArea());
            // the truth of class k alone, so the picture's IoU is the table's iouWithClass
            rows.add(Pictures.overlay(p.image(), p.h(), p.w(), onlyClass(p.labels(), k), pm.mask(), s.classes(),
                    String.format(Locale.ROOT, "prompt %d of %s -> mask (%s frame %d, step %d)", i, names.get(k),
                            p.id(), p.frame(), s.stepsDone())));
            labelsText.add("prompt " + i + " of " + names.get(k) + ": ACP audio mask");
        }
        Pictures.writePng(Pictures.stack(rows), masksPng);
        Pictures.writePng(Pictures.spectrogramMasks(p.spectrogram(), p.audioMasks(), labelsText), audioPng);
        return Table.create(String.format(Locale.ROOT, "%d prompt(s) of %s on test item %d; masks %s, audio %s", n,
                names.get(k), item, masksPng.toAbsolutePath(), audioPng.toAbsolutePath()), idx, area, iou, prob, gtArea);
    }

    /** The label map with every class but k set to background. */
    static long[] onlyClass(long[] labels, int k) {
        long[] out = new long[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i] == k ? k : 0;
        }
        return out;
    }
}
