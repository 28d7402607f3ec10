// Profiles five training steps of a recipe with libtorch's autograd profiler (after eight warm-up steps) and
// writes a chrome trace; bench/reference/compare_profiles.py sets it against the Python reference's trace.
//   CPM_JAVA_OPTS="-Drecipe=tiny -Dout=/tmp/java.json -Dai.djl.pytorch.num_threads=1" ./cpm run bench/profile.jsh
import cpm.dsl.*;
import cpm.train.*;

var base = Presets.get(System.getProperty("recipe", "tiny"));
var recipe = base.derive(base.name(), b -> b.run(x -> x.threads(1)));
var out = System.getProperty("out", "profile-java.json");
try (var session = new TrainingSession(recipe)) {
    for (int i = 0; i < 8; i++) {
        session.step();
    }
    ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
    for (int i = 0; i < 5; i++) {
        session.step();
    }
    ai.djl.pytorch.jni.JniUtils.stopProfile(out);
}
System.out.println("wrote " + out);
