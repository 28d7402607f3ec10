package cpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without the cpm-spark module on the class path, --spark is bad input that says how to get it. */
class ClusterSeamTest {

    @Test
    void sparkWithoutTheModuleIsBadInputSayingHowToGetIt(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        CliFixtures.Result r = CliFixtures.cpm("ablate", "tiny", "--table", "4", "--spark", "local[2]", "--out",
                out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("cpm: --spark local[2]: found no Spark support on the class path, expected the "
                + "cpm-spark module"), r.err());
        assertTrue(r.err().contains("docs/scale.md"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
