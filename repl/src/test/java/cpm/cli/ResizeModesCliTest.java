package cpm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * data.resize through {@code ./cpm train} on a data set of 64 x 40 frames (docs/datasets.md): pad and crop both
 * train and evaluate; with pad only the frame's pixels are scored (the per-class pixel counts add up to 64 x 40 per
 * image, not the 64 x 64 of the padded square), with crop the whole square is. An unknown value is bad input.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ResizeModesCliTest {

    @TempDir
    Path tmp;

    @Test
    void padAndCropTrainOnNonSquareFramesAndPadScoresOnlyTheFrame() throws Exception {
        Path data = tmp.resolve("wide");
        CliFixtures.Result synth = CliFixtures.cpm("synth", "--out", data.toString(), "--train", "2", "--test", "1",
                "--size", "64", "--frames", "2");
        assertEquals(0, synth.code(), synth.err());
        cutRows(data, 40); // 64 x 64 frames and label maps become 64 wide, 40 high
        for (String mode : List.of("pad", "crop")) {
            Path json = CliFixtures.writeRecipe(tmp.resolve(mode + ".json"),
                    CliFixtures.quick(2).with("data.resize", mode));
            Path out = tmp.resolve("run-" + mode);
            CliFixtures.Result train = CliFixtures.cpm("train", json.toString(), "--data", data.toString(), "--out",
                    out.toString(), "--no-progress", "--no-silenced", "--steps", "1");
            assertEquals(0, train.code(), mode + ": " + train.err());
            String[] scores = Files.readAllLines(out.resolve("eval-test.csv")).get(1).split(",");
            int images = Integer.parseInt(scores[4]);
            assertEquals(2, images, mode);
            long pixels = Files.readAllLines(out.resolve("eval-test-per-class.csv")).stream().skip(1)
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(',') + 1))).sum();
            assertEquals(images * (mode.equals("pad") ? 64L * 40 : 64L * 64), pixels, mode + ": pixels scored");
            assertTrue(Files.isRegularFile(out.resolve("checkpoints").resolve("step-00000001.ckpt")), mode);
        }
    }

    @Test
    void anUnknownResizeIsBadInput() throws Exception {
        Path json = tmp.resolve("bad.json");
        Files.writeString(json, "{\"name\": \"bad\", \"base\": \"tiny\", \"data\": {\"resize\": \"stretch\"}}");
        Path out = tmp.resolve("out");
        CliFixtures.Result train = CliFixtures.cpm("train", json.toString(), "--out", out.toString(), "--no-progress");
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains("data.resize") && train.err().contains("stretch")
                && train.err().contains("squash, pad, crop"), train.err());
        assertFalse(train.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(out.resolve("recipe.json")), "nothing written");
    }

    /** Keeps the top {@code rows} rows of every frame and label map of a data folder. */
    private static void cutRows(Path root, int rows) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".png")).toList()) {
                BufferedImage img = ImageIO.read(p.toFile());
                BufferedImage cut = new BufferedImage(img.getWidth(), rows, BufferedImage.TYPE_INT_RGB);
                cut.getGraphics().drawImage(img.getSubimage(0, 0, img.getWidth(), rows), 0, 0, null);
                ImageIO.write(cut, "png", p.toFile());
            }
        }
    }
}
