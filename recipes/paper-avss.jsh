// paper-avss: the paper's CPM on AVSBench-Semantics at 224 x 224 (Table 1 bottom; base of Tables 4 and 5).
// ResNet-50, Mask2Former decoder (3 audio + 9 visual layers), N = 100 queries of D_q = 256, GMM with M = 3,
// all three CPM tasks with lambda = 1. Most of these are the defaults; they are spelled out for the reader.
// Point --data at your copy of AVSBench-Semantics (spec/data.md) or change data.avss(...) below.
import cpm.dsl.*;

var recipe = Recipe.define("paper-avss", b -> b
        .image(i -> i.backbone("resnet50").width(1.0).size(224))
        .audio(a -> a.backbone("resnet").mono())
        .decoder(d -> d.audioLayers(3).visualLayers(9).heads(8).hiddenDim(256).ffnDim(2048))
        .queries(q -> q.count(100).dim(256))
        .classifier(c -> c.gmm(3).covariance("diagonal"))
        .cpm(c -> c.vcp(1.0).acp(1.0).pcl(1.0).lambda(1.0))
        .loss(l -> l.ceWeight(2.0).noObjectWeight(0.1).focalWeight(5.0).diceWeight(5.0))
        .matcher(m -> m.classCost(2.0).maskCost(5.0).diceCost(5.0).points(12544))
        .data(d -> d.avss("data/avsbench-semantics"))
        .optim(o -> o.adamw(1e-4).poly(0.9).batchSize(8))
        .eval(e -> e.perDataset()));
