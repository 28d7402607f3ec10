// table4: the rows of the paper's Table 4 (key components) derived from one base recipe, so every row has
// the same data, sizes and budget: baseline (softmax, no task), ccdm (GMM), vcp, acp, vcp-acp, cpm (all three).
// Train them all on equal budgets with:  ./cpm ablate tiny --table 4
// The variable `recipe` is the last row (full CPM), so `./cpm train recipes/table4.jsh` trains that one.
import cpm.dsl.*;

var rows = Ablations.table4(Presets.get("tiny"));
// for (var row : rows) System.out.println(row.name() + ": " + Presets.get("tiny").diff(row.recipe()));
var recipe = rows.get(rows.size() - 1).recipe();
