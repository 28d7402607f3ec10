package cpm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which data.kind a folder is, from the marker files of each layout in docs/datasets.md. */
class DataLayoutTest {

    private static Path file(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    @Test
    void eachLayoutIsRecognisedByItsMetadata(@TempDir Path tmp) throws IOException {
        Path synth = SynthWriter.write(tmp.resolve("synth"), "ss", 1, 1, 5, 32, 1);
        DataLayout.Detected s = DataLayout.detect(synth);
        assertEquals("synthetic", s.kind());
        assertEquals("ss", s.preset(), "the preset the folder was written with");

        Path avss = tmp.resolve("avss");
        file(avss, "metadata.csv", "vid,uid,split,label\n1,a,train,v1m\n2,b,test,v2\n");
        file(avss, "label2idx.json", "{\"background\": 0}");
        assertEquals("avss", DataLayout.detect(avss).kind());
        assertNull(DataLayout.detect(avss).preset());

        file(tmp, "s4flat/s4_meta_data.csv", "name,category,split\n");
        assertEquals("s4", DataLayout.detect(tmp.resolve("s4flat")).kind());
        file(tmp, "objects/Multi-sources/ms3_meta_data.csv", "video_id,split\n");
        assertEquals("ms3", DataLayout.detect(tmp.resolve("objects")).kind());

        // VPO: a root holding one subset folder, or the subset folder itself (by its CSV)
        file(tmp, "vpo1/VPO-MSMI/vpo_msmi_data_stereo.csv", "cateName\n");
        assertEquals("vpo-msmi", DataLayout.detect(tmp.resolve("vpo1")).kind());
        file(tmp, "vpo2/vpo_ms_data_stereo.csv", "cateName\n");
        assertEquals("vpo-ms", DataLayout.detect(tmp.resolve("vpo2")).kind());
        assertEquals("vpo-msmi", DataLayout.detect(tmp.resolve("vpo1/VPO-MSMI")).kind());
        // the old guessed layout (a subset column) is AVSS now
        file(tmp, "vpo3/metadata.csv", "uid,split,subset\na,train,ms\nb,test,ms\n");
        assertEquals("avss", DataLayout.detect(tmp.resolve("vpo3")).kind());
    }

    @Test
    void noLayoutTwoLayoutsOrNoFolderNameTheFolder(@TempDir Path tmp) throws IOException {
        file(tmp, "both/Single-source/s4_meta_data.csv", "name,category,split\n");
        file(tmp, "both/Multi-sources/ms3_meta_data.csv", "video_id,split\n");
        DataException both = assertThrows(DataException.class, () -> DataLayout.detect(tmp.resolve("both")));
        assertTrue(both.getMessage().contains("say which with --set data.kind=KIND (s4 or ms3)"), both.getMessage());

        for (String subset : new String[]{"ss", "ms", "msmi"}) { // the VPO release root holds all three
            file(tmp, "vpo/VPO-" + subset.toUpperCase() + "/vpo_" + subset + "_data_stereo.csv", "cateName\n");
        }
        DataException vpo = assertThrows(DataException.class, () -> DataLayout.detect(tmp.resolve("vpo")));
        assertTrue(vpo.getMessage().contains("found VPO subset folders [VPO-MS, VPO-MSMI, VPO-SS]")
                && vpo.getMessage().contains("(vpo-ms, vpo-msmi, vpo-ss)"), vpo.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(DataException.class, () -> DataLayout.detect(empty)).getMessage()
                .startsWith(empty + ": found none of metadata.csv"));
        assertTrue(assertThrows(DataException.class, () -> DataLayout.detect(tmp.resolve("nope"))).getMessage()
                .contains("found no such folder"));
        Path f = file(tmp, "plain.txt", "x");
        assertTrue(assertThrows(DataException.class, () -> DataLayout.detect(f)).getMessage().contains("found a file"));
    }
}
