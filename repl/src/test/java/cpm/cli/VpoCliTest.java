package cpm.cli;

import cpm.data.AvsDataset;
import cpm.data.Datasets;
import cpm.data.Sample;
import cpm.data.VpoClasses;
import cpm.data.WavIO;
import cpm.dsl.Recipe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VPO as the release lays it out (docs/datasets.md), on a small set written by {@link VpoFixture}: data check,
 * one training step and an evaluation from the command line, mono and stereo; the items' labels and audio
 * against values computed here; bad input is exit 2 naming the file and what was expected.
 */
class VpoCliTest {

    @TempDir
    static Path dir;
    static VpoFixture f;

    @BeforeAll
    static void write() throws IOException {
        f = VpoFixture.write(dir);
    }

    /** CliFixtures.quick(2) (no pictures) with these fields set together. */
    private static Recipe quick(Object... kv) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("run.pictures", 0);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return CliFixtures.quick(2).with(m);
    }

    private static CliFixtures.Result check(Path root, String kind, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "data";
        args[1] = "check";
        args[2] = root.toString();
        args[3] = "--kind=" + kind;
        System.arraycopy(more, 0, args, 4, more.length);
        return CliFixtures.cpm(args);
    }

    @Test
    void dataCheckPassesEachSubsetAndSummarisesIt() {
        String[][] expect = {{"ss", "4: train 2, test 2"}, {"ms", "3: train 2, test 1"}, {"msmi", "3: train 2, test 1"}};
        for (String[] e : expect) {
            CliFixtures.Result r = check(f.vpo, "vpo-" + e[0], "--audio", f.vggsound.toString());
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("  clips            " + e[1]), r.out());
            assertTrue(r.out().contains("  classes          22: background, airplane, baby,"), r.out());
            assertTrue(r.out().contains("  image sizes      24x16"), r.out());
            assertTrue(r.out().contains("ok: no problems found"), r.out());
        }
        CliFixtures.Result ss = check(f.vpo.resolve("VPO-SS"), "vpo-ss", "--audio", f.vggsound.toString());
        assertTrue(ss.out().contains("  audio            0.40 to 5.00 s, 8000 to 22050 Hz, mono and stereo"),
                ss.out()); // the subset folder itself is a root too
        // without --kind, data check detects the subset as --data does, and checks it as that subset
        CliFixtures.Result found = CliFixtures.cpm("data", "check", f.vpo.resolve("VPO-MS").toString(), "--audio",
                f.vggsound.toString());
        assertEquals(0, found.code(), found.out() + found.err());
        assertTrue(found.err().contains("(vpo-ms, from "), found.err());
        assertTrue(found.out().contains("  clips            3: train 2, test 1"), found.out());
        assertTrue(found.out().contains("ok: no problems found in " + f.vpo.resolve("VPO-MS") + " (vpo-ms)"),
                found.out());
    }

    @Test
    void trainsOneStepAndEvaluatesMonoAndStereo() throws IOException {
        // mono: --data on a subset folder says which subset it is
        Path quick = CliFixtures.writeRecipe(dir.resolve("quick.json"), quick());
        Path mono = dir.resolve("run-mono");
        CliFixtures.Result t = CliFixtures.cpm("train", quick.toString(), "--data", f.vpo.resolve("VPO-SS").toString(),
                "--set", "data.audioPath=" + Path.of("").toAbsolutePath().relativize(f.vggsound), "--steps", "1",
                "--threads", "1", "--no-silenced", "--no-progress", "--out", mono.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("(vpo-ss, from [vpo_ss_data_stereo.csv])"), t.err());
        assertTrue(t.out().contains("test mIoU") && t.out().contains("(per-dataset protocol, 2 images)"), t.out());
        // the run records both folders as absolute paths, so eval --run finds them from anywhere
        String recorded = Files.readString(mono.resolve("recipe.json"));
        assertTrue(recorded.contains(f.vggsound.toString()) && recorded.contains(f.vpo.resolve("VPO-SS").toString()),
                recorded);
        CliFixtures.Result e = CliFixtures.cpm("eval", "--run", mono.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("test mIoU") && e.out().contains("  dog "), e.out());

        // stereo MSMI from the recipe's own fields (its image 5 comes from VPO-MS)
        Recipe stereo = quick("data.kind", "vpo-msmi", "data.path", f.vpo.toString(), "data.audioPath",
                f.vggsound.toString(), "audio.channels", 2);
        Path st = CliFixtures.writeRecipe(dir.resolve("stereo.json"), stereo);
        CliFixtures.Result s = CliFixtures.cpm("train", st.toString(), "--steps", "1", "--threads", "1",
                "--no-silenced", "--no-progress", "--out", dir.resolve("run-stereo").toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("(per-dataset protocol, 1 images)"), s.out());
    }

    /** Stereo pans each object's centre window by audio_pos; mono sums; masks map COCO ids to VPO classes. */
    @Test
    void itemsPanTheirObjectsAndMapCocoIds() {
        Recipe r = quick("data.kind", "vpo-ss", "data.path", f.vpo.toString(), "data.audioPath",
                f.vggsound.toString(), "audio.channels", 2, "image.originalResolution", true);
        AvsDataset ss = Datasets.open(r, "train");
        assertEquals(2, ss.size());
        Sample dog = ss.get(0); // dog_bark (5 s at 16 kHz, amplitude 0.5) at audio_pos 0.1: left
        assertEquals("000000000001_000000000011", dog.clipId());
        int n = 16000;
        float[] src = VpoFixture.tone(16000, 5.0, 440, 0.5);
        double left = 0, right = 0;
        for (int i = 0; i < n; i++) {
            float centre = src[40000 - 8000 + i]; // the middle second: start at 80000 / 2 - 16000 / 2
            assertEquals(0.9 * centre, dog.audio()[i], 1e-4);
            assertEquals(0.1 * centre, dog.audio()[n + i], 1e-4);
            left += dog.audio()[i] * dog.audio()[i];
            right += dog.audio()[n + i] * dog.audio()[n + i];
        }
        assertTrue(left > 50 * right, left + " vs " + right); // (0.9/0.1)^2 = 81 times the energy on the left
        int dogClass = VpoClasses.NAMES.indexOf("dog");
        int[] expect = VpoFixture.maskIds(VpoFixture.DOG, 0);
        for (int i = 0; i < expect.length; i++) {
            expect[i] = expect[i] == VpoFixture.DOG ? dogClass : expect[i];
        }
        assertArrayEquals(expect, dog.label()); // 255 stays: ignored, not a class
        assertTrue(dog.tags()[dogClass]);
        assertEquals(1, countTrue(dog.tags()));

        // MS image 5: dog at 0.2 and car at 0.8; mono is the plain sum, stereo the panned sum
        Recipe ms = r.with("data.kind", "vpo-ms");
        Sample st = Datasets.open(ms, "train").get(0);
        Sample mo = Datasets.open(ms.with("audio.channels", 1), "train").get(0);
        // engine.wav is 22.05 kHz: the whole file resampled here, then its middle second (48000 / 2 - 8000)
        float[] engine = WavIO.resample(WavIO.read(f.vggsound.resolve("audios/engine.wav")).samples()[0], 22050, 16000);
        assertEquals(48000, engine.length);
        for (int i = 0; i < n; i += 97) {
            double d = src[32000 + i], c = engine[24000 - 8000 + i];
            assertEquals(d + c, mo.audio()[i], 1e-4);
            assertEquals(0.8 * d + 0.2 * c, st.audio()[i], 1e-4);
            assertEquals(0.2 * d + 0.8 * c, st.audio()[n + i], 1e-4);
        }
        assertEquals(2, countTrue(st.tags()));
        // a 0.4-s sound (8 kHz stereo file) is resampled, averaged to mono and repeated to fill the second
        Sample male = Datasets.open(ms.with("audio.channels", 1), "train").get(1);
        for (int i = 0; i < n - 6400; i += 37) {
            assertEquals(male.audio()[i], male.audio()[i + 6400], 1e-6);
        }
        assertTrue(male.tags()[VpoClasses.NAMES.indexOf("male")]);
    }

    private static int countTrue(boolean[] b) {
        int k = 0;
        for (boolean x : b) {
            k += x ? 1 : 0;
        }
        return k;
    }

    @Test
    void badInputIsExitTwoNamingTheFileAndWhatWasExpected(@TempDir Path tmp) throws IOException {
        VpoFixture bad = VpoFixture.write(tmp);
        Path ss = bad.vpo.resolve("VPO-SS");
        // in one pass: an unknown COCO id in a mask and in a row, a missing VGGSound file, a mask of the wrong size
        int[] ids = VpoFixture.maskIds(VpoFixture.DOG, 0);
        ids[5 * VpoFixture.W + 4] = 7;
        VpoFixture.writeMask(ss.resolve("mask/dog/000000000001_000000000011.png"), ids, VpoFixture.W, VpoFixture.H);
        VpoFixture.writeMask(ss.resolve("mask/car/000000000002_000000000021.png"), new int[12 * 10], 12, 10);
        Files.delete(bad.vggsound.resolve("audios/speech.wav"));
        Path csv = ss.resolve("vpo_ss_data_stereo.csv");
        Files.writeString(csv, Files.readString(csv) + "train,7,10,101,engine,train,0.5,0\n");
        CliFixtures.Result c = check(bad.vpo, "vpo-ss", "--audio", bad.vggsound.toString());
        assertEquals(2, c.code(), c.out() + c.err());
        assertTrue(c.out().contains(csv + ": found line 6: cateId \"7\", expected the COCO id of a VPO class (3 car, "
                + "4 motorcycle,"), c.out());
        assertTrue(c.out().contains(bad.vggsound.resolve("audios/speech.wav") + ": found no such file, expected a "
                + "VGGSound sound of object 000000000041 of image 000000000004 (vpo_ss_data_stereo.csv line 5)"), c.out());
        assertTrue(c.out().contains("000000000001_000000000011.png: found COCO category id 7 at pixel (x=4, y=5), "
                + "expected 0 (background), 255 (ignored) or the COCO id of a VPO class"), c.out());
        assertTrue(c.out().contains("000000000002_000000000021.png: found a label map of 12x10, expected 24x16 like its "
                + "frame 000000000002.jpg"), c.out());
        assertTrue(c.err().contains("cpm: 4 problem(s)"), c.err());
        assertTrue(c.out().contains("  clips            4: train 2, test 2"), c.out()); // the summary still comes

        // training refuses the first of them, with the same words, before it starts
        Recipe r = quick("data.kind", "vpo-ss", "data.path", bad.vpo.toString(), "data.audioPath",
                bad.vggsound.toString());
        Path rec = CliFixtures.writeRecipe(tmp.resolve("bad.json"), r);
        CliFixtures.Result t = CliFixtures.cpm("train", rec.toString(), "--steps", "1", "--threads", "1", "--out",
                tmp.resolve("o1").toString());
        assertEquals(2, t.code(), t.err());
        assertTrue(t.err().contains(csv + ": found line 6: cateId \"7\""), t.err());
        assertFalse(t.err().contains("\tat "), t.err());
        assertFalse(Files.exists(tmp.resolve("o1/recipe.json"))); // the run folder holds only its lock

        // wrong columns
        Path ms = bad.vpo.resolve("VPO-MS/vpo_ms_data_stereo.csv");
        Files.writeString(ms, "cateName,cateId,img_Id,ann_Ids,vggsound,split,audio_pos\ndog,18,5,51,dog_bark,train,0.2\n");
        CliFixtures.Result w = check(bad.vpo, "vpo-ms", "--audio", bad.vggsound.toString());
        assertEquals(2, w.code(), w.out());
        assertTrue(w.out().contains(ms + ": found line 1: columns [cateName, cateId, img_Id, ann_Ids, vggsound, split, "
                + "audio_pos], expected a column \"vgg_file\""), w.out());
        CliFixtures.Result wt = CliFixtures.cpm("train", rec.toString(), "--set", "data.kind=vpo-ms", "--steps", "1",
                "--out", tmp.resolve("o2").toString());
        assertEquals(2, wt.code(), wt.err());
        assertTrue(wt.err().contains(ms + ": found line 1: columns"), wt.err());

        // a missing audio folder: not given, or given without audios/
        CliFixtures.Result none = check(bad.vpo, "vpo-msmi");
        assertEquals(2, none.code(), none.out());
        assertTrue(none.out().contains("--audio (or the recipe's data.audioPath): found no folder (an empty path), "
                + "expected the VGGSound folder holding audios/<vgg_file>.wav"), none.out());
        Path nowhere = tmp.resolve("VGGSound");
        CliFixtures.Result gone = CliFixtures.cpm("train", rec.toString(), "--set", "data.kind=vpo-msmi", "--set",
                "data.audioPath=" + nowhere, "--steps", "1", "--out", tmp.resolve("o3").toString());
        assertEquals(2, gone.code(), gone.err());
        assertTrue(gone.err().contains(nowhere.resolve("audios") + ": found no such folder (nor " + nowhere
                + "), expected the VGGSound folder holding audios/<vgg_file>.wav"), gone.err());
        assertFalse(Files.exists(tmp.resolve("o3/recipe.json")));
    }
}
