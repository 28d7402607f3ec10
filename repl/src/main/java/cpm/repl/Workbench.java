package cpm.repl;

import cpm.data.AvsDataset;
import cpm.data.Datasets;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.model.AvsModel;
import cpm.train.Checkpoint;
import cpm.train.History;
import cpm.train.SessionCheckpoint;
import cpm.train.TrainingSession;
import cpm.train.loop.RunFolder;
import cpm.train.loop.StopRequestListener;
import cpm.train.loop.TrainingLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The live objects of a REPL training session and the commands that drive them: {@code :recipe}, {@code :set},
 * {@code :compile}, {@code :step}, {@code :history}, {@code :save}, {@code :load} here, and the model queries of
 * {@link Probes} ({@code :eval}, {@code :classes}, {@code :gmm}, {@code :prompts}, {@code :probe}, {@code :match},
 * {@code :sts}, {@code :coverage}, {@code :show}). The JShell variables {@code recipe}, {@code session},
 * {@code model}, {@code data}, {@code history} (a Tablesaw table) and {@code evaluation} are the host's objects and
 * are rebound whenever a command replaces them. Heavy work runs on the snippet thread
 * ({@link ScriptEngine#call}), so it shares the snippets' thread state and Ctrl-C reaches it: the first Ctrl-C
 * during {@code :step} asks the session to stop at the next step boundary.
 */
public final class Workbench implements AutoCloseable {

    private final ScriptEngine engine;
    private Recipe recipe;
    private TrainingSession session;
    private AvsDataset data;
    private History history = new History();
    private SessionHistory log;
    private TrainingSession.EvalResult lastEval;
    private Path runDir;
    private volatile TrainingSession training;

    /** A workbench on {@code engine} with a starting recipe (null: the preset {@code tiny}). */
    public Workbench(ScriptEngine engine, Recipe recipe) {
        this.engine = engine;
        this.recipe = recipe != null ? recipe : Presets.get("tiny");
        engine.setInterruptHook(() -> {
            TrainingSession t = training;
            if (t == null) {
                return false;
            }
            t.requestStop();
            return true;
        });
        bind("recipe", Recipe.class, this.recipe);
        bind("session", TrainingSession.class, null);
        bind("model", AvsModel.class, null);
        bind("data", AvsDataset.class, null);
        bind("history", Table.class, history.toTable());
        bind("evaluation", TrainingSession.EvalResult.class, null);
    }

    /** Registers the training commands (replacing {@code :load} with one that also takes checkpoints). */
    public Workbench install(MetaCommands m) {
        m.register("recipe", "[PREFIX]", "show the resolved recipe (fields starting with PREFIX)",
                "Every field with its value; `:recipe optim` shows the optim.* fields. The table is bound as `last`,\n"
                        + "the recipe itself as `recipe`.",
                (a, c) -> recipeTable(a, c));
        m.register("set", "FIELD VALUE", "change one recipe field (before :compile)",
                "Validated at once: a wrong field or value gives an error naming the field. A compiled session keeps\n"
                        + "its recipe until the next :compile.",
                (a, c) -> set(a));
        m.register("compile", "", "build the training session from the recipe (rebinds `session`)",
                "Uses the JShell variable `recipe` if a snippet changed it. Closes the previous session.",
                (a, c) -> compile());
        m.register("step", "[N]", "train N steps (default 1) with a progress line; Ctrl-C stops at a step boundary",
                "Each step is one step of l = l_agn + lambda (l_ACP + l_VCP + l_PCL) (Sec. 3.2), run by the same loop\n"
                        + "as ./cpm train: a history row every run.logInterval steps (`:set run.logInterval 1` for every\n"
                        + "step), the STS where its window closes. The rows of this call are shown; `history` holds\n"
                        + "every row, also of steps a snippet took with session.step().",
                (a, c) -> step(a, c));
        m.register("history", "", "the training log of this session as a table (also bound as `history`)",
                "One row every run.logInterval steps, however the step was taken (:step, or session.step() in a\n"
                        + "snippet); `seconds` is training time. (The input history is in ~/.cpm/history: Up/Down,\n"
                        + "Ctrl-R.)",
                (a, c) -> historyTable());
        m.register("save", "[FILE]", "write a checkpoint (default: RUN/checkpoints/step-N.ckpt)",
                "The run folder is the one given to `./cpm repl --run`, else runs/<recipe name>-repl. recipe.json\n"
                        + "and history.csv are written beside it, so `./cpm eval --run RUN` works on it.",
                (a, c) -> save(a));
        MetaCommand previous = m.get("load").orElse(null);
        m.register("load", "FILE", "a checkpoint (or run folder) restores the session; a .jsh script is run",
                "A .ckpt file or a run folder (its latest checkpoint) replaces the session, recipe and history.\n"
                        + "A .jsh file runs in this session as a script.",
                (a, c) -> {
                    if (a.strip().endsWith(".jsh") && previous != null) {
                        return previous.handler().handle(a, c);
                    }
                    return load(StandardCommands.path(a));
                });
        new Probes(this).install(m);
        return this;
    }

    // ------------------------------------------------------------------------------------------------ state

    public ScriptEngine engine() {
        return engine;
    }

    public Recipe recipe() {
        return recipe;
    }

    /** The compiled session, or null before {@code :compile}. */
    public TrainingSession session() {
        return session;
    }

    /** The session, or an error telling the user to compile first. */
    public TrainingSession requireSession() {
        if (session == null) {
            throw new IllegalStateException("no session yet: :compile builds one from the recipe (or :load a checkpoint)");
        }
        return session;
    }

    public History history() {
        return history;
    }

    /** The last evaluation, or null. */
    public TrainingSession.EvalResult lastEval() {
        return lastEval;
    }

    void setLastEval(TrainingSession.EvalResult e) {
        lastEval = e;
        bind("evaluation", TrainingSession.EvalResult.class, e);
    }

    /** Where {@code :save} and pictures go: the run folder given, else runs/NAME-repl. */
    public Path runDir() {
        return runDir != null ? runDir : Path.of("runs", recipe.name() + "-repl");
    }

    /** The run folder of {@link #runDir()}. */
    public RunFolder runFolder() {
        return new RunFolder(runDir());
    }

    public void setRunDir(Path dir) {
        this.runDir = dir;
    }

    /** Replaces the recipe (not the session) and rebinds {@code recipe}. */
    public void setRecipe(Recipe r) {
        recipe = r;
        bind("recipe", Recipe.class, r);
    }

    void bind(String name, Class<?> type, Object value) {
        engine.bind(name, type, value);
    }

    // ------------------------------------------------------------------------------------------------ commands

    private Object recipeTable(String prefix, MetaContext c) {
        syncRecipeFromShell();
        StringColumn field = StringColumn.create("field");
        StringColumn value = StringColumn.create("value");
        for (Map.Entry<String, Object> e : recipe.values().entrySet()) {
            if (prefix.isEmpty() || e.getKey().startsWith(prefix)) {
                field.append(e.getKey());
                value.append(String.valueOf(e.getValue()));
            }
        }
        if (field.isEmpty()) {
            throw new IllegalArgumentException("no recipe field starts with \"" + prefix
                    + "\"; expected a section such as image, audio, decoder, queries, classifier, cpm, loss, matcher,"
                    + " data, optim, eval, run");
        }
        return new MetaCommands.WholeTable(Table.create("recipe " + recipe.name(), field, value));
    }

    /** Adopts the JShell variable {@code recipe} when a snippet assigned another recipe to it. */
    private void syncRecipeFromShell() {
        try {
            Object v = engine.capture("recipe");
            if (v instanceof Recipe r && !r.equals(recipe)) {
                recipe = r;
            }
        } catch (RuntimeException e) {
            // the variable was dropped (:reset) or shadowed: keep the host's recipe and bind it again
            bind("recipe", Recipe.class, recipe);
        }
    }

    private Object set(String args) {
        String[] a = args.strip().split("\\s+", 2);
        if (a.length != 2 || a[0].isEmpty()) {
            throw new IllegalArgumentException("usage: :set FIELD VALUE, e.g. :set optim.lr 0.002");
        }
        syncRecipeFromShell();
        String v = a[1].strip();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        Recipe before = recipe;
        setRecipe(recipe.with(a[0], v));
        List<String> d = before.diff(recipe);
        String change = d.isEmpty() ? a[0] + " unchanged" : String.join("; ", d);
        return "|  " + change + (session != null ? "  (the session keeps its recipe until :compile)" : "");
    }

    private Object compile() throws Exception {
        syncRecipeFromShell();
        Recipe r = recipe;
        TrainingSession s = engine.call(() -> new TrainingSession(r));
        adopt(s, new History());
        return String.format(Locale.ROOT, "|  compiled %s: %,d parameters, %d classes (%s), classifier %s, CPM %s;"
                        + " `session`, `model`, `data` bound", r.name(), s.weights().parameterCount(), s.numClasses(),
                String.join(", ", s.classes()), r.classifier().kind(), r.cpmOn() ? "on" : "off");
    }

    /** Makes {@code s} the live session (closing the previous one) and rebinds the variables. */
    private void adopt(TrainingSession s, History h) throws Exception {
        TrainingSession old = session;
        if (log != null) {
            log.detach();
        }
        session = s;
        history = h;
        log = new SessionHistory(s, h).attach(); // logs :step's steps and a snippet's session.step() alike
        recipe = s.recipe();
        data = Datasets.open(recipe, "train");
        if (old != null && old != s) {
            engine.call(() -> {
                old.close();
                return null;
            });
        }
        lastEval = null;
        bind("recipe", Recipe.class, recipe);
        bind("session", TrainingSession.class, s);
        bind("model", AvsModel.class, s.model());
        bind("data", AvsDataset.class, data);
        bind("history", Table.class, log.table());
        bind("evaluation", TrainingSession.EvalResult.class, null);
    }

    private Object step(String args, MetaContext c) throws Exception {
        TrainingSession s = requireSession();
        int n = args.isBlank() ? 1 : parseCount(args, "usage: :step [N]");
        int before = history.size();
        long first = s.stepsDone();
        // the session's own SessionHistory logs the steps (it sees every step, however taken)
        TrainingLoop loop = new TrainingLoop(s, List.of(new StepLine(c.out(), n), new StopRequestListener()));
        training = s;
        try {
            engine.call(() -> loop.run(first + n));
        } finally {
            training = null;
        }
        Table all = history.toTable();
        Table mine = all.inRange(before, all.rowCount());
        mine.setName(String.format(Locale.ROOT, "steps %d..%d%s", first + 1, s.stepsDone(), mine.rowCount() > 0 ? ""
                : String.format(Locale.ROOT, " (no row logged: history rows every run.logInterval = %d steps)",
                s.recipe().run().logInterval())));
        return mine;
    }

    static String cpmTerms(TrainingSession.StepResult r) {
        StringBuilder b = new StringBuilder();
        if (!Double.isNaN(r.vcp())) {
            b.append(String.format(Locale.ROOT, "  vcp %.4f", r.vcp()));
        }
        if (!Double.isNaN(r.acp())) {
            b.append(String.format(Locale.ROOT, "  acp %.4f", r.acp()));
        }
        if (!Double.isNaN(r.pcl())) {
            b.append(String.format(Locale.ROOT, "  pcl %.4f", r.pcl()));
        }
        return b.toString();
    }

    static int parseCount(String s, String usage) {
        try {
            int n = Integer.parseInt(s.strip());
            if (n < 1) {
                throw new IllegalArgumentException(usage + "; found " + n + ", expected a count >= 1");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage + "; found \"" + s.strip() + "\", expected a whole number");
        }
    }

    private Object historyTable() {
        Table t = log != null ? log.table() : history.toTable();
        bind("history", Table.class, t);
        t.setName(t.rowCount() == 0 ? "history (no steps yet: :step N trains)" : "history");
        return t;
    }

    private Object save(String args) throws Exception {
        TrainingSession s = requireSession();
        RunFolder folder = runFolder();
        Path file = args.isBlank() ? folder.checkpoint(s.stepsDone()) : StandardCommands.path(args);
        engine.call(() -> {
            SessionCheckpoint.save(s, history, file);
            return null;
        });
        if (args.isBlank()) {
            folder.writeRecipe(s.recipe());
            folder.writeHistory(history);
        }
        return "|  saved step " + s.stepsDone() + " to " + file + " (" + Files.size(file) / 1024 + " KiB)";
    }

    /** Restores a checkpoint file, or the latest checkpoint of a run folder, into a new session. */
    public String load(Path target) throws Exception {
        Path file = target;
        if (Files.isDirectory(target)) {
            file = new RunFolder(target).latestCheckpoint();
            if (file == null) {
                throw new IllegalArgumentException(target + ": found no checkpoints/step-N.ckpt, expected a run folder"
                        + " written by train or :save");
            }
            runDir = target;
        } else if (!Files.isRegularFile(target)) {
            throw new IllegalArgumentException("no such file " + target + " (expected a .ckpt, a run folder or a .jsh)");
        } else if (RunFolder.ofCheckpoint(target) != null) {
            runDir = RunFolder.ofCheckpoint(target).dir();
        }
        Checkpoint ck = Checkpoint.read(file);
        Recipe r = SessionCheckpoint.recipeOf(ck, file);
        Path f = file;
        History[] h = new History[1];
        TrainingSession s = engine.call(() -> {
            TrainingSession t = new TrainingSession(r);
            try {
                h[0] = SessionCheckpoint.restore(t, ck, f);
            } catch (RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        });
        adopt(s, h[0]);
        return "|  restored " + r.name() + " at step " + s.stepsDone() + " from " + file
                + "; `session`, `model`, `data`, `history` bound";
    }

    /** Appends a column of class names to a table that has an int column of class indices. */
    Table withClassNames(Table t, String intColumn, List<String> names) {
        StringColumn col = StringColumn.create("name");
        for (int i = 0; i < t.rowCount(); i++) {
            int k = t.intColumn(intColumn).getInt(i);
            col.append(k < names.size() ? names.get(k) : "no-object");
        }
        int at = t.columnIndex(intColumn) + 1;
        t.insertColumn(at, col);
        return t;
    }

    static DoubleColumn doubles(String name) {
        return DoubleColumn.create(name);
    }

    @Override
    public void close() {
        engine.setInterruptHook(null);
        TrainingSession s = session;
        session = null;
        if (s != null) {
            try {
                engine.call(() -> {
                    s.close();
                    return null;
                });
            } catch (Exception e) {
                s.close();
            }
        }
    }
}
