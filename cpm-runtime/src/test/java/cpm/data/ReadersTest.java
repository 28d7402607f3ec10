package cpm.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import cpm.dsl.Recipe;
import cpm.dsl.RecipeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadersTest {

    @TempDir
    Path dir;

    @Test
    void synthWrittenToDiskReadsBackAsTheInMemoryItems() throws Exception {
        for (String preset : new String[]{"semantic", "stereo", "ms"}) {
            Path out = SynthWriter.write(dir.resolve(preset), preset, 2, 1, 9, 64, 3);
            assertFalse(Files.exists(dir.resolve("." + preset + ".partial")));
            List<String> meta = Files.readAllLines(out.resolve("metadata.csv"));
            assertEquals("uid,split,label,preset,seed,frames", meta.get(0));
            assertEquals(4, meta.size());
            // stereo sets are read as synthetic-on-disk (AVSBench itself is mono), the others as AVSS
            Recipe r = preset.equals("stereo")
                    ? TestRecipes.tiny("data.kind", "synthetic", "data.preset", "stereo", "data.path", out.toString(),
                    "image.size", 64, "data.framesPerClip", 3, "audio.channels", 2)
                    : TestRecipes.tiny("data.kind", "avss", "data.path", out.toString(), "image.size", 64,
                    "data.framesPerClip", 3);
            for (String split : new String[]{"train", "test"}) {
                AvsDataset disk = Datasets.open(r, split);
                SyntheticDataset mem = new SyntheticDataset(preset, split, 9, split.equals("train") ? 2 : 1, 3, 64, 16000, 1.0);
                assertEquals(mem.size(), disk.size());
                assertEquals(mem.classes(), disk.classes());
                for (int i = 0; i < mem.size(); i++) {
                    Sample a = mem.get(i), b = disk.get(i);
                    assertEquals(a.clipId(), b.clipId());
                    assertEquals(a.frame(), b.frame());
                    assertArrayEquals(a.label(), b.label(), preset + " labels of item " + i);
                    assertArrayEquals(a.tags(), b.tags());
                    for (int k = 0; k < a.rgb().length; k++) {
                        assertEquals(a.rgb()[k], b.rgb()[k], 0.5 / 255 + 1e-6);
                    }
                    assertEquals(a.audio().length, b.audio().length);
                    for (int k = 0; k < a.audio().length; k++) {
                        assertEquals(a.audio()[k], b.audio()[k], 0.5 / 32768 + 1e-6);
                    }
                }
            }
            DataException e = assertThrows(DataException.class, () -> SynthWriter.write(out, preset, 1, 1, 9, 40, 3));
            assertTrue(e.getMessage().contains("existing folder"), e.getMessage());
            assertTrue(DataCheck.check(out, "avss").isEmpty(), DataCheck.check(out, "avss").toString());
        }
    }

    @Test
    void avssReaderLabelsOnlyFrameZeroOfV1sTrainAndResizes() throws Exception {
        Path root = Fixtures.avss(dir.resolve("avss"));
        Recipe r = TestRecipes.tiny("data.kind", "avss", "data.path", root.toString(), "image.size", 32);
        AvsDataset train = Datasets.open(r, "train"), test = Datasets.open(r, "test"), val = Datasets.open(r, "val");
        assertEquals(List.of("background", "dog", "car"), train.classes());
        assertEquals(1, train.size());
        assertEquals(5, test.size());
        assertEquals(5, val.size());
        Sample s = test.get(3);
        assertEquals("b", s.clipId());
        assertEquals(3, s.frame());
        assertEquals(32, s.height());
        int[] expect = Images.resizeNearest(Fixtures.label(3, 1 + (1 + 3) % 2), Fixtures.H, Fixtures.W, 32, 32);
        assertArrayEquals(expect, s.label());
        assertTrue(s.tags()[1] && !s.tags()[2] && !s.tags()[0]);
        // audio: 44.1 kHz stereo -> 16 kHz mono, frame 3 is the fourth second
        float[][] full = WavIO.conform(WavIO.read(root.resolve("v1s/b/audio.wav")), 16000, 1, root);
        assertArrayEquals(WavIO.frameWindow(full, 16000, 3), s.audio());
        assertEquals(16000, s.audio().length);
        // original resolution: frames keep their size, evaluation batches are single frames
        Recipe orig = r.with("image.originalResolution", true);
        AvsDataset o = Datasets.open(orig, "test");
        assertEquals(Fixtures.H, o.get(0).height());
        assertEquals(Fixtures.W, o.get(0).width());
        assertArrayEquals(Fixtures.label(0, 2), o.get(0).label());
        try (NDManager m = NDManager.newBaseManager(); BatchLoader l = new BatchLoader(o, null, orig, false, 1)) {
            Batch b = l.next(m);
            assertEquals(new Shape(1, 3, Fixtures.H, Fixtures.W), b.images().getShape());
            assertEquals(new Shape(1, Fixtures.H, Fixtures.W), b.labels().getShape());
        }
    }

    @Test
    void avsObjectsReadersLoadS4AndMs3WithBinaryMasks() throws Exception {
        Path root = Fixtures.objects(dir.resolve("avsbench"));
        Recipe s4 = TestRecipes.tiny("data.kind", "s4", "data.path", root.toString(), "image.size", 32);
        AvsDataset train = Datasets.open(s4, "train"), test = Datasets.open(s4, "test");
        assertTrue(train.binary());
        assertEquals(List.of("background", "sounding"), train.classes());
        assertEquals(1, train.size());
        assertEquals(5, test.size());
        Sample s = test.get(2); // file _3
        assertEquals(2, s.frame());
        int[] expect = Images.resizeNearest(Fixtures.label(3, 1), Fixtures.H, Fixtures.W, 32, 32);
        assertArrayEquals(expect, s.label());
        assertTrue(s.tags()[1]);
        Recipe ms3 = TestRecipes.tiny("data.kind", "ms3", "data.path", root.toString(), "image.size", 32);
        AvsDataset m = Datasets.open(ms3, "train");
        assertEquals(5, m.size());
        assertEquals("m1", m.get(4).clipId());
        assertEquals(16000, m.get(4).audio().length); // 22.05 kHz stereo -> 16 kHz mono
        // the Single-source folder itself also works as the root
        assertEquals(5, new AvsObjectsReader(root.resolve("Single-source"), "s4", "test", s4).size());
    }

    @Test
    void badInputsGetMessagesNamingFileAndWhatWasWrong() throws Exception {
        Path root = Fixtures.avss(dir.resolve("bad"));
        Recipe r = TestRecipes.tiny("data.kind", "avss", "data.path", root.toString(), "image.size", 32);
        // a colour outside the palette
        int[] lab = Fixtures.label(0, 1);
        java.awt.image.BufferedImage img = Palette.encode(lab, Fixtures.H, Fixtures.W);
        img.setRGB(3, 2, 0x123456);
        Fixtures.writePng(root.resolve("v1s/b/labels_rgb/1.png"), img);
        AvsDataset test = Datasets.open(r, "test");
        DataException e = assertThrows(DataException.class, () -> test.get(1));
        assertTrue(e.getMessage().contains("labels_rgb/1.png") && e.getMessage().contains("#123456")
                && e.getMessage().contains("(x=3, y=2)"), e.getMessage());
        // a class beyond label2idx
        Fixtures.writePng(root.resolve("v1s/b/labels_rgb/2.png"), Palette.encode(Fixtures.label(0, 7), Fixtures.H, Fixtures.W));
        e = assertThrows(DataException.class, () -> test.get(2));
        assertTrue(e.getMessage().contains("class 7") && e.getMessage().contains("below 3"), e.getMessage());
        // a label map of the wrong size
        Fixtures.writePng(root.resolve("v1s/b/labels_rgb/3.png"), Palette.encode(new int[8 * 8], 8, 8));
        e = assertThrows(DataException.class, () -> test.get(3));
        assertTrue(e.getMessage().contains("8x8") && e.getMessage().contains("20x16"), e.getMessage());
        // a missing metadata column
        Files.writeString(root.resolve("metadata.csv"), "uid,label\na,v1s\n");
        e = assertThrows(DataException.class, () -> Datasets.open(r, "train"));
        assertTrue(e.getMessage().contains("metadata.csv") && e.getMessage().contains("\"split\""), e.getMessage());
        // a row naming a folder outside the root
        Files.writeString(root.resolve("metadata.csv"), "uid,split,label\n../../etc,train,v1s\n");
        e = assertThrows(DataException.class, () -> Datasets.open(r, "train"));
        assertTrue(e.getMessage().contains("outside") || e.getMessage().contains("inside the data root"), e.getMessage());
        // a missing frame
        Files.writeString(root.resolve("metadata.csv"), "uid,split,label\nc,val,v1m\n");
        Files.delete(root.resolve("v1m/c/frames/4.png"));
        e = assertThrows(DataException.class, () -> Datasets.open(r, "val"));
        assertTrue(e.getMessage().contains("4.jpg") && e.getMessage().contains("frame 4 of 5"), e.getMessage());
        // recipe problems
        RecipeException re = assertThrows(RecipeException.class, () -> Datasets.open(r.with("data.path", ""), "val"));
        assertTrue(re.getMessage().contains("data.path"), re.getMessage());
        re = assertThrows(RecipeException.class, () -> TestRecipes.tiny("data.preset", "stereo"));
        assertTrue(re.getMessage().contains("audio.channels"), re.getMessage());
    }
}
