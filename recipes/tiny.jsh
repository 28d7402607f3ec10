// tiny: full CPM at CPU scale on the built-in synthetic benchmark (preset "semantic": 8 sounding classes).
// Trains to a useful model on a laptop CPU in minutes:  ./cpm train recipes/tiny.jsh
// Every field not named here keeps its default (see docs/dsl.md or ./cpm describe recipes/tiny.jsh).
import cpm.dsl.*;

var recipe = Recipe.define("tiny", b -> b
        .image(i -> i.backbone("resnet18").width(0.25).frozenStages(0).norm("group").size(96))
        .audio(a -> a.backbone("cnn").width(16).bins(64).frames(64))
        .pixelDecoder(p -> p.hiddenDim(64).scales(3))
        .decoder(d -> d.audioLayers(1).visualLayers(3).heads(4).hiddenDim(64).ffnDim(128))
        .queries(q -> q.count(12).dim(64))
        .classifier(c -> c.gmm(3).bankSize(512).updateInterval(10)   // CCDM, Eq. 1-4, M = 3
                .momentum(0.97))                                      // CPU scale: means move from their random start in ~300 steps
        .cpm(c -> c.vcp(1.0).acp(30.0).acpLoss("mse").pcl(1.0)        // the three CPM tasks; ACP as an MSE at weight 30
                .pclPixels(64))
        .matcher(m -> m.points(0))                                      // match on every pixel
        .data(d -> d.synthetic("semantic").trainItems(400).testItems(40))
        .optim(o -> o.adamw(1e-3).weightDecay(1e-4).backboneLrMultiplier(1.0).steps(1200).batchSize(8)
                .gradClip(1.0).warmupSteps(50))
        .run(r -> r.checkpointInterval(400).logInterval(10)));
