package cpm.arch;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The layering of the toolkit, written down once: which cpm packages each package may use (docs/architecture.md
 * draws the same table). cpm-dsl knows nothing of DJL; the runtime's packages build upwards from nn, data and
 * model to prompting (the paper's contribution), train (one step, evaluation) and train.loop (the loop and
 * its listeners, the run folder); the REPL and the command line sit on top. No cycles between packages.
 */
class LayeringTest {

    /** Package -> the cpm packages it may depend on (besides itself). */
    static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("cpm.dsl", List.of());
        ALLOWED.put("cpm.io", List.of());
        ALLOWED.put("cpm.nn", List.of("cpm.io"));
        ALLOWED.put("cpm.diag", List.of());
        ALLOWED.put("cpm.eval", List.of("cpm.nn"));
        ALLOWED.put("cpm.data", List.of("cpm.dsl", "cpm.io", "cpm.nn"));
        ALLOWED.put("cpm.viz", List.of("cpm.data", "cpm.io"));
        ALLOWED.put("cpm.model", List.of("cpm.dsl", "cpm.io", "cpm.nn"));
        ALLOWED.put("cpm.prompting", List.of("cpm.dsl", "cpm.io", "cpm.nn", "cpm.model"));
        ALLOWED.put("cpm.train", List.of("cpm.dsl", "cpm.io", "cpm.nn", "cpm.diag", "cpm.eval", "cpm.data", "cpm.viz",
                "cpm.model", "cpm.prompting"));
        ALLOWED.put("cpm.train.loop", List.of("cpm.dsl", "cpm.io", "cpm.nn", "cpm.diag", "cpm.eval", "cpm.data",
                "cpm.viz", "cpm.model", "cpm.prompting", "cpm.train"));
        ALLOWED.put("cpm.bench", List.of("cpm.dsl", "cpm.io", "cpm.nn", "cpm.data", "cpm.model", "cpm.prompting",
                "cpm.train"));
        ALLOWED.put("cpm.repl", List.of("cpm.dsl", "cpm.io", "cpm.nn", "cpm.diag", "cpm.eval", "cpm.data", "cpm.viz",
                "cpm.model", "cpm.prompting", "cpm.train", "cpm.train.loop"));
        ALLOWED.put("cpm.cli", List.of("cpm.dsl", "cpm.io", "cpm.nn", "cpm.diag", "cpm.eval", "cpm.data", "cpm.viz",
                "cpm.model", "cpm.prompting", "cpm.train", "cpm.train.loop", "cpm.bench", "cpm.repl"));
    }

    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("cpm");
    }

    @Test
    void everyPackageHasItsRow() {
        Set<String> found = new TreeSet<>();
        for (JavaClass c : classes) {
            found.add(c.getPackageName());
        }
        assertEquals(new TreeSet<>(ALLOWED.keySet()), found,
                "a new package needs its row in LayeringTest.ALLOWED (and in docs/architecture.md)");
    }

    @Test
    void packagesUseOnlyTheLayersBelowThem() {
        for (Map.Entry<String, List<String>> e : ALLOWED.entrySet()) {
            String[] ok = new String[e.getValue().size() + 1];
            ok[0] = e.getKey();
            for (int i = 0; i < e.getValue().size(); i++) {
                ok[i + 1] = e.getValue().get(i);
            }
            DescribedPredicate<JavaClass> forbidden = resideInAPackage("cpm..")
                    .and(DescribedPredicate.not(resideInAnyPackage(ok)));
            noClasses().that().resideInAPackage(e.getKey()).should().dependOnClassesThat(forbidden)
                    .because("LayeringTest.ALLOWED lists what " + e.getKey() + " may use")
                    .check(classes);
        }
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("cpm.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theRecipeLanguageKnowsNothingOfTheEngine() {
        noClasses().that().resideInAPackage("cpm.dsl..").should().dependOnClassesThat()
                .resideInAnyPackage("ai.djl..", "tech.tablesaw..").check(classes);
    }
}
