package cpm.model;

import ai.djl.ndarray.NDManager;
import cpm.dsl.Presets;
import cpm.dsl.Recipe;
import cpm.nn.Weights;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class FlopsTest {

    /** 2 x multiply-adds of a k x k convolution producing an h x w map. */
    private static long conv(long cin, long cout, long k, long hw) {
        return 2 * cin * cout * k * k * hw;
    }

    private static long mm(long rows, long in, long out) {
        return 2 * rows * in * out;
    }

    @Test
    void flopsMatchAHandCount() {
        Recipe r = Presets.get("tiny").toBuilder().set("image.width", 0.03125).set("image.size", 32)
                .set("audio.width", 4).set("audio.frames", 16).set("audio.bins", 16)
                .set("pixelDecoder.hiddenDim", 8).set("pixelDecoder.scales", 1)
                .set("decoder.hiddenDim", 8).set("decoder.heads", 2).set("decoder.ffnDim", 16)
                .set("decoder.audioLayers", 1).set("decoder.visualLayers", 1)
                .set("queries.count", 2).set("queries.dim", 4).set("data.preset", "ms").build();
        long hand = 0;
        // ResNet-18 at width 1/32: 2, 4, 8, 16 channels; 32x32 -> conv1 16x16 -> pool 8x8 -> 4x4 -> 2x2 -> 1x1
        hand += conv(3, 2, 7, 256);
        hand += 4 * conv(2, 2, 3, 64);                                       // layer1: 2 blocks x 2 convs
        hand += conv(2, 4, 3, 16) + conv(4, 4, 3, 16) + conv(2, 4, 1, 16) + 2 * conv(4, 4, 3, 16);
        hand += conv(4, 8, 3, 4) + conv(8, 8, 3, 4) + conv(4, 8, 1, 4) + 2 * conv(8, 8, 3, 4);
        hand += conv(8, 16, 3, 1) + conv(16, 16, 3, 1) + conv(8, 16, 1, 1) + 2 * conv(16, 16, 3, 1);
        // FPN, hidden 8: top 3x3, laterals + outputs at 2x2, 4x4, 8x8, mask projection to 4, memory 1x1 -> 8
        hand += conv(16, 8, 3, 1);
        hand += conv(8, 8, 1, 4) + conv(8, 8, 3, 4);
        hand += conv(4, 8, 1, 16) + conv(8, 8, 3, 16);
        hand += conv(2, 8, 1, 64) + conv(8, 8, 3, 64);
        hand += conv(8, 4, 1, 64);
        hand += mm(1, 8, 8);
        // audio CNN width 4 on 16x16: stages at 8x8 (4), 4x4 (8), 2x2 (16); u_a proj 16 -> 8; decoder at 4x4
        hand += conv(1, 4, 3, 64) + conv(4, 4, 3, 64);
        hand += conv(4, 8, 3, 16) + conv(8, 8, 3, 16);
        hand += conv(8, 16, 3, 4) + conv(16, 16, 3, 4);
        hand += conv(16, 8, 1, 4);
        hand += conv(8, 8, 1, 16) + conv(8, 8, 3, 16) + conv(8, 4, 1, 16);
        // decoder: N = 2, D = 8, FFN 16; 4 audio tokens; 1 memory token; 64 mask pixels; C + 1 = 4
        long head = mm(2, 8, 8) + mm(2, 8, 8) + mm(2, 8, 4) + 2 * 2 * 4 * 64 + mm(2, 8, 4);
        long selfAtt = 4 * mm(2, 8, 8) + 2 * (2 * 2 * 2 * 8);
        long ffn = mm(2, 8, 16) + mm(2, 16, 8);
        long audioCross = 2 * mm(2, 8, 8) + 2 * mm(4, 8, 8) + 2 * (2 * 2 * 4 * 8);
        long visualCross = 2 * mm(2, 8, 8) + 2 * mm(1, 8, 8) + 2 * (2 * 2 * 1 * 8);
        hand += head + (audioCross + selfAtt + ffn + head) + (visualCross + selfAtt + ffn + head);
        try (NDManager m = NDManager.newBaseManager()) {
            AvsModel model = new AvsModel(r, 3, new Weights(m.newSubManager(), 1));
            assertEquals(hand, model.flopsPerImage());
        }
    }
}
