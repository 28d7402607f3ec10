// paper-s4: CPM on AVSBench-Objects single source (S4), binary labels (sounding vs not), images resized to
// 224 x 224, scored with the per-image protocol of AVSBench-Objects (Table 1 top, spec/data.md).
import cpm.dsl.*;

var recipe = Recipe.define("paper-s4", b -> b
        .image(i -> i.backbone("resnet50").size(224))
        .queries(q -> q.count(100).dim(256))
        .classifier(c -> c.gmm(3))
        .cpm(c -> c.vcp(1.0).acp(1.0).pcl(1.0).lambda(1.0))
        .data(d -> d.s4("data/avsbench-objects"))
        .eval(e -> e.perImage()));
