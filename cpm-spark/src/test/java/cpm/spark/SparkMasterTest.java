package cpm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A --spark master Spark cannot use is bad input, found before anything is written. */
class SparkMasterTest {

    @Test
    void anUnknownMasterUrlIsBadInputNamingTheOptionAndWhatIsExpected(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        SparkClusterTest.Result r = SparkClusterTest.cpm("ablate", "tiny", "--table", "4", "--spark", "nowhere://x",
                "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("cpm: --spark nowhere://x: ") && r.err().contains("expected a Spark master URL"),
                r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
