// paper-vpo-ms: CPM on VPO (multi source) with stereo audio: the audio backbone's first layer takes two
// channels (Sec. 4.4); tested at the original resolution (Table 3).
import cpm.dsl.*;

var recipe = Recipe.define("paper-vpo-ms", b -> b
        .image(i -> i.backbone("resnet50").size(224).originalResolution(true))
        .audio(a -> a.stereo().secondsPerFrame(3.0))
        .queries(q -> q.count(100).dim(256))
        .classifier(c -> c.gmm(3))
        .cpm(c -> c.on().lambda(1.0))
        .data(d -> d.vpoMs("data/vpo", "data/vggsound"))
        .eval(e -> e.perDataset()));
