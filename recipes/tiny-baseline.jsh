// tiny-baseline: tiny without CPM, i.e. AVSegFormer* at CPU scale: a softmax classifier and only the
// class-agnostic workflow. Compare with tiny:  ./cpm diff tiny recipes/tiny-baseline.jsh
// A recipe is immutable; derive(...) makes a validated copy with a new name and some changes.
import cpm.dsl.*;

var recipe = Presets.get("tiny").derive("tiny-baseline", b -> b
        .classifier(c -> c.softmax())
        .cpm(c -> c.off()));
