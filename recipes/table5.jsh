// table5: the rows of the paper's Table 5 (distribution representation) derived from one base recipe:
// point (softmax classifier, learned class embeddings as prompts, all CPM tasks), dist (GMM, all tasks), and
// the GMM with M = 1, 3, 5, 7 components.  Train them all with:  ./cpm ablate tiny --table 5
// The variable `recipe` is the last row (M = 7).
import cpm.dsl.*;

var rows = Ablations.table5(Presets.get("tiny"));
var recipe = rows.get(rows.size() - 1).recipe();
