package cpm.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small on-disk data sets written by the tests, in each layout of spec/data.md. */
final class Fixtures {

    static final int W = 20, H = 16;

    private Fixtures() {
    }

    /** A frame whose colour encodes (clip, frame). */
    static BufferedImage frame(int clip, int f) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, ((40 * clip + 10 * f) & 0xFF) << 16 | (x * 12) << 8 | (y * 15));
            }
        }
        return img;
    }

    /** A label map: class c in the rectangle x in [f, f+6), y in [2, 9), background elsewhere. */
    static int[] label(int f, int c) {
        int[] l = new int[W * H];
        for (int y = 2; y < 9; y++) {
            for (int x = f; x < f + 6; x++) {
                l[y * W + x] = c;
            }
        }
        return l;
    }

    static void writeJpg(Path p, BufferedImage img) throws IOException {
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "jpg", p.toFile());
    }

    static void writePng(Path p, BufferedImage img) throws IOException {
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
    }

    /** A binary mask image (0 / 255 grey). */
    static BufferedImage mask(int[] label) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < label.length; i++) {
            img.getRaster().setSample(i % W, i / W, 0, label[i] != 0 ? 255 : 0);
        }
        return img;
    }

    /** seconds of a tone of frequency f, in the given channels (channel c has amplitude 0.5/(c+1)). */
    static float[][] tone(int channels, int rate, double seconds, double f) {
        int n = (int) Math.round(rate * seconds);
        float[][] s = new float[channels][n];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                s[c][i] = (float) (0.5 / (c + 1) * Math.sin(2 * Math.PI * f * i / rate));
            }
        }
        return s;
    }

    /**
     * An AVSS root: label2idx {background, dog, car}; clip "a" (v1s, train: only 0.png labelled, JPEG frames),
     * clip "b" (v1s, test), clip "c" (v1m, val), audio 44.1 kHz stereo.
     */
    static Path avss(Path root) throws IOException {
        Files.createDirectories(root);
        Files.writeString(root.resolve("label2idx.json"), "{\"background\": 0, \"dog\": 1, \"car\": 2}");
        Files.writeString(root.resolve("metadata.csv"),
                "vid,uid,s_min,split,label,a_obj\n1,a,0,train,v1s,x\n2,b,0,test,v1s,y\n3,c,0,val,v1m,z\n");
        String[][] clips = {{"a", "v1s", "train"}, {"b", "v1s", "test"}, {"c", "v1m", "val"}};
        for (int k = 0; k < clips.length; k++) {
            Path dir = root.resolve(clips[k][1]).resolve(clips[k][0]);
            for (int f = 0; f < 5; f++) {
                if (k == 0) {
                    writeJpg(dir.resolve("frames").resolve(f + ".jpg"), frame(k, f));
                } else {
                    writePng(dir.resolve("frames").resolve(f + ".png"), frame(k, f));
                }
                if (k != 0 || f == 0) {
                    writePng(dir.resolve("labels_rgb").resolve(f + ".png"), Palette.encode(label(f, 1 + (k + f) % 2), H, W));
                }
            }
            WavIO.write(dir.resolve("audio.wav"), 44100, tone(2, 44100, 5, 440 * (k + 1)));
        }
        return root;
    }

    /** An AVSBench-Objects root with S4 (two clips: train, test) and MS3 (one train clip). */
    static Path objects(Path root) throws IOException {
        Path s4 = root.resolve("Single-source");
        Files.createDirectories(s4);
        Files.writeString(s4.resolve("s4_meta_data.csv"), "name,category,split,extra\nd1,dog,train,0\nd2,dog,test,0\n");
        for (String[] c : new String[][]{{"d1", "train"}, {"d2", "test"}}) {
            Path data = s4.resolve("s4_data");
            for (int i = 1; i <= 5; i++) {
                writePng(data.resolve("visual_frames/" + c[1] + "/dog/" + c[0] + "/" + c[0] + "_" + i + ".png"), frame(1, i));
                if (c[1].equals("test") || i == 1) {
                    writePng(data.resolve("gt_masks/" + c[1] + "/dog/" + c[0] + "/" + c[0] + "_" + i + ".png"),
                            mask(label(i, 1)));
                }
            }
            WavIO.write(data.resolve("audio_wav/" + c[1] + "/dog/" + c[0] + ".wav"), 16000, tone(1, 16000, 5, 500));
        }
        Path ms3 = root.resolve("Multi-sources");
        Files.createDirectories(ms3);
        Files.writeString(ms3.resolve("ms3_meta_data.csv"), "video_id,split\nm1,train\n");
        Path data = ms3.resolve("ms3_data");
        for (int i = 1; i <= 5; i++) {
            writePng(data.resolve("visual_frames/m1.mp4_" + i + ".png"), frame(2, i));
            writePng(data.resolve("gt_masks/train/m1/m1_" + i + ".png"), mask(label(i, 1)));
        }
        WavIO.write(data.resolve("audio_wav/train/m1.wav"), 22050, tone(2, 22050, 5, 300));
        return root;
    }
}
