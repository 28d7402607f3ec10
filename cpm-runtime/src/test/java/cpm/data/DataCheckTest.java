package cpm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCheckTest {

    @TempDir
    Path dir;

    static void assertHas(List<DataProblem> ps, String file, String text) {
        assertTrue(ps.stream().anyMatch(p -> p.file().contains(file) && p.problem().contains(text)),
                "no problem with " + file + " / " + text + " in " + ps);
    }

    @Test
    void everyProblemIsListedNotJustTheFirst() throws Exception {
        Path root = Fixtures.avss(dir.resolve("avss"));
        Files.writeString(root.resolve("metadata.csv"), "uid,split,label\na,train,v1s\nb,test,v1s\nc,val,v1m\n"
                + "../../outside,test,v1s\nghost,test,v2\n");
        Files.delete(root.resolve("v1s/a/frames/2.jpg"));                                         // missing frame
        Fixtures.writePng(root.resolve("v1s/b/labels_rgb/1.png"), Palette.encode(new int[64], 8, 8)); // wrong size
        java.awt.image.BufferedImage odd = Palette.encode(Fixtures.label(0, 1), Fixtures.H, Fixtures.W);
        odd.setRGB(5, 6, 0x010203);
        Fixtures.writePng(root.resolve("v1s/b/labels_rgb/2.png"), odd);                          // unknown colour
        Fixtures.writePng(root.resolve("v1s/b/labels_rgb/3.png"),
                Palette.encode(Fixtures.label(0, 9), Fixtures.H, Fixtures.W));                    // unknown class
        byte[] wav = Files.readAllBytes(root.resolve("v1m/c/audio.wav"));
        Files.write(root.resolve("v1m/c/audio.wav"), Arrays.copyOf(wav, 1000));                   // truncated WAV
        Fixtures.writePng(root.resolve("v1m/c/frames/5.png"), Fixtures.frame(0, 5));              // 6 frames for v1m
        List<DataProblem> ps = DataCheck.check(root, "avss");
        assertHas(ps, "v1s/a/frames/2.jpg", "no such file");
        assertHas(ps, "v1s/b/labels_rgb/1.png", "8x8");
        assertHas(ps, "v1s/b/labels_rgb/2.png", "#010203 at pixel (x=5, y=6)");
        assertHas(ps, "v1s/b/labels_rgb/3.png", "class 9");
        assertHas(ps, "v1m/c/audio.wav", "truncated");
        assertHas(ps, "v1m/c/frames", "6 frames");
        assertHas(ps, "metadata.csv", "outside");
        assertHas(ps, "v2/ghost", "no such folder");
        assertEquals(8, ps.size(), ps.toString());
    }

    @Test
    void objectLayoutsAreCheckedToo() throws Exception {
        Path root = Fixtures.objects(dir.resolve("objects"));
        assertEquals(List.of(), DataCheck.check(root, "s4"));
        List<DataProblem> ms3 = DataCheck.check(root, "ms3"); // one training clip only: evaluation would have none
        assertEquals(1, ms3.size(), ms3.toString());
        assertHas(ms3, "ms3_meta_data.csv", "no clip with a labelled frame in split test");
        Files.delete(root.resolve("Single-source/s4_data/gt_masks/test/dog/d2/d2_4.png"));
        Files.delete(root.resolve("Multi-sources/ms3_data/audio_wav/train/m1.wav"));
        assertHas(DataCheck.check(root, "s4"), "d2_4.png", "no such file");
        assertHas(DataCheck.check(root, "ms3"), "m1.wav", "no such file");
        DataException e = assertThrows(DataException.class,
                () -> AvsObjectsReader.scan(root, "ms3", "test", Problems.throwing()));
        assertEquals(ms3.get(0).toString(), e.getMessage()); // the reader says what the check says
        assertHas(DataCheck.check(dir.resolve("nothing"), "avss"), "nothing", "no such folder");
        assertHas(DataCheck.check(root, "imagenet"), "--kind", "imagenet");
        // VPO's layout and rules: repl/src/test/java/cpm/cli/VpoCliTest
    }
}
