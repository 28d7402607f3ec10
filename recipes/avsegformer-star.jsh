// avsegformer-star: the paper's baseline AVSegFormer* (first row of Table 4) at paper scale on
// AVSBench-Semantics: the same model as paper-avss with a softmax classifier and no CPM task.
import cpm.dsl.*;

var recipe = Recipe.define("avsegformer-star", b -> b
        .image(i -> i.backbone("resnet50").size(224))
        .decoder(d -> d.audioLayers(3).visualLayers(9).heads(8).hiddenDim(256))
        .queries(q -> q.count(100).dim(256))
        .classifier(c -> c.softmax())      // the point representation
        .cpm(c -> c.off())                 // class-agnostic workflow only
        .data(d -> d.avss("data/avsbench-semantics"))
        .eval(e -> e.perDataset()));
