// paper-avss-original: paper-avss tested on every frame at its own resolution (Table 2, Sec. 4.3);
// training still uses random resized crops of image.size.
import cpm.dsl.*;

var recipe = Recipe.define("paper-avss-original", b -> b
        .image(i -> i.backbone("resnet50").size(224).originalResolution(true))
        .queries(q -> q.count(100).dim(256))
        .classifier(c -> c.gmm(3))
        .cpm(c -> c.on().lambda(1.0))
        .data(d -> d.avss("data/avsbench-semantics").augment(true))
        .eval(e -> e.perDataset()));
