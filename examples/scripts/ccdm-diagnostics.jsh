// CCDM under the microscope: trains the bound recipe (tiny by default, --recipe to change it) with its CPM tasks
// off for STEPS steps, with any FIELD=VALUE changes, and prints the GMM diagnostics every 20 steps, the class
// LayerNorm's gamma and beta, and the test mIoU. docs/ablation.md's 200-step exploration table came from it:
//   ./cpm run examples/scripts/ccdm-diagnostics.jsh 200 classifier.varianceFloor=0.01 classifier.momentum=0.97
import cpm.dsl.*;
import cpm.train.*;
import cpm.prompting.*;

var r = recipe.derive(recipe.name(), b -> b.cpm(c -> c.off()).run(x -> x.threads(1)));
for (int a = 1; a < args.length; a++) {
    String[] kv = args[a].split("=", 2);
    r = r.with(kv[0], kv[1]);
}
var s = new TrainingSession(r);
int n = Integer.parseInt(args[0]);
for (int i = 1; i <= n; i++) {
    var res = s.step();
    if (i % 20 == 0) {
        var d = s.gmmDiagnostics();
        System.out.printf("%d agn %.2f | floor %.3f cos %.3f bankAcc %.3f noAcc %.3f |z| %.3f post %.3f%n", i,
                res.agn(), d.floorShare(), d.maxComponentCos(), d.bankAccuracy(), d.noObjectAccuracy(),
                d.promptNorm(), d.promptPosterior());
    }
}
for (var e : s.weights().entries().entrySet()) {
    if (e.getKey().startsWith("gmm.logitNorm")) {
        System.out.println(e.getKey() + " " + java.util.Arrays.toString(e.getValue().array().toFloatArray()));
    }
}
System.out.println("test mIoU " + s.evaluate("test", 0, false).miou());
