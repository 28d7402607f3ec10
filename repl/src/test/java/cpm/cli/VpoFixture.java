package cpm.cli;

import cpm.data.WavIO;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small VPO release written on the fly in the layout of docs/datasets.md: {@code vpo/VPO-SS}, {@code VPO-MS},
 * {@code VPO-MSMI} (CSV, data/ JPEGs, mask/ PNGs of COCO ids with a few 255 pixels) and a VGGSound folder
 * {@code vggsound/audios/*.wav}. Objects: dog (COCO 18), car (3), male (92); the left object of an image covers
 * x in [2, 9), the right one x in [13, 20), rows [3, 12). Sounds: dog_bark 5 s at 16 kHz, engine 3 s at 22.05 kHz
 * (resampled when read), speech 0.4 s of 8-kHz stereo (shorter than a window: repeated).
 */
final class VpoFixture {

    static final int W = 24, H = 16, RATE = 16000;
    static final int DOG = 18, CAR = 3, MALE = 92;
    static final String HEADER = "cateName,cateId,img_Id,ann_Ids,vgg_file,split,audio_pos,multi_instance\n";

    final Path vpo;
    final Path vggsound;

    private VpoFixture(Path vpo, Path vggsound) {
        this.vpo = vpo;
        this.vggsound = vggsound;
    }

    /** Writes the three subsets and their sounds under {@code dir}. */
    static VpoFixture write(Path dir) throws IOException {
        VpoFixture f = new VpoFixture(dir.resolve("vpo"), dir.resolve("vggsound"));
        Path audios = Files.createDirectories(f.vggsound.resolve("audios"));
        WavIO.write(audios.resolve("dog_bark.wav"), RATE, new float[][]{tone(RATE, 5.0, 440, 0.5)});
        WavIO.write(audios.resolve("engine.wav"), 22050, new float[][]{tone(22050, 3.0, 180, 0.4)});
        WavIO.write(audios.resolve("speech.wav"), 8000, new float[][]{tone(8000, 0.4, 250, 0.3),
                tone(8000, 0.4, 250, 0.3)});

        Path ss = f.subset("ss", "dog,18,1,11,dog_bark,train,0.1,0\n"
                + "car,3,2,21,engine,train,0.9,0\n"
                + "dog,18,3,31,dog_bark,val,0.5,0\n"
                + "male,92,4,41,speech,val,0.5,0\n");
        f.image(ss.resolve("data/dog/000000000001.jpg"), 1);
        f.mask(ss.resolve("mask/dog/000000000001_000000000011.png"), DOG, 0);
        f.image(ss.resolve("data/car/000000000002.jpg"), 2);
        f.mask(ss.resolve("mask/car/000000000002_000000000021.png"), 0, CAR);
        f.image(ss.resolve("data/dog/000000000003.jpg"), 3);
        f.mask(ss.resolve("mask/dog/000000000003_000000000031.png"), DOG, 0);
        f.image(ss.resolve("data/male/000000000004.jpg"), 4);
        f.mask(ss.resolve("mask/male/000000000004_000000000041.png"), 0, MALE);

        Path ms = f.subset("ms", "dog,18,5,51,dog_bark,train,0.2,0\n"
                + "car,3,5,52,engine,train,0.8,0\n"
                + "male,92,6,61,speech,train,0.5,0\n"
                + "dog,18,7,71,dog_bark,val,0.3,0\n"
                + "car,3,7,72,engine,val,0.7,0\n");
        for (int[] im : new int[][]{{5, DOG, CAR}, {6, 0, MALE}, {7, DOG, CAR}}) {
            f.image(ms.resolve(String.format("data/%012d.jpg", im[0])), im[0]);
            f.mask(ms.resolve(String.format("mask/%012d.png", im[0])), im[1], im[2]);
        }

        // image 5 has multi_instance 0: CAVP reads it from VPO-MS
        Path msmi = f.subset("msmi", "dog,18,8,81,dog_bark,train,0.0,1\n"
                + "dog,18,8,82,engine,train,1.0,1\n"
                + "dog,18,5,51,dog_bark,train,0.2,0\n"
                + "car,3,5,52,engine,train,0.8,0\n"
                + "car,3,9,91,engine,val,0.5,1\n"
                + "car,3,9,92,dog_bark,val,0.5,1\n");
        for (int[] im : new int[][]{{8, DOG, DOG}, {9, CAR, CAR}}) {
            f.image(msmi.resolve(String.format("data/%012d.jpg", im[0])), im[0]);
            f.mask(msmi.resolve(String.format("mask/%012d.png", im[0])), im[1], im[2]);
        }
        return f;
    }

    Path subset(String s, String rows) throws IOException {
        Path dir = Files.createDirectories(vpo.resolve("VPO-" + s.toUpperCase()));
        Files.writeString(dir.resolve("vpo_" + s + "_data_stereo.csv"), HEADER + rows);
        return dir;
    }

    /** {@code seconds} of a sine of frequency f and amplitude a. */
    static float[] tone(int rate, double seconds, double f, double a) {
        float[] x = new float[(int) Math.round(rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (a * Math.sin(2 * Math.PI * f * i / rate));
        }
        return x;
    }

    void image(Path p, int seed) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, (seed * 40 & 0xFF) << 16 | (x * 10) << 8 | y * 15);
            }
        }
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "jpg", p.toFile());
    }

    /** The COCO ids of a mask: {@code left} and {@code right} objects (0: none), 255 on the left object's top row. */
    static int[] maskIds(int left, int right) {
        int[] m = new int[W * H];
        for (int y = 3; y < 12; y++) {
            for (int x = 2; x < 9; x++) {
                m[y * W + x] = y == 3 && left != 0 ? 255 : left;
            }
            for (int x = 13; x < 20; x++) {
                m[y * W + x] = right;
            }
        }
        return m;
    }

    void mask(Path p, int left, int right) throws IOException {
        writeMask(p, maskIds(left, right), W, H);
    }

    /** A grey PNG whose pixel values are {@code ids}. */
    static void writeMask(Path p, int[] ids, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < ids.length; i++) {
            img.getRaster().setSample(i % w, i / w, 0, ids[i]);
        }
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
    }
}
