package cpm.data;

/**
 * One labelled frame of an audio-visual clip: the image, its label map, the frame's second of audio and the
 * audio tags t (the set of sounding classes, paper Sec. 3.2).
 *
 * @param clipId     the clip's id (uid in the metadata)
 * @param frame      index of the frame within its clip (0-based)
 * @param height     image height in pixels
 * @param width      image width in pixels
 * @param rgb        3*H*W, CHW, values in [0,1]
 * @param label      H*W class indices (0 = background)
 * @param audio      channels*S, planar (channel 0 then channel 1), in [-1,1], S = sampleRate*secondsPerFrame
 * @param channels   audio channels (1 or 2)
 * @param sampleRate audio sample rate in Hz
 * @param tags       per class: sounding in this frame; tags[0] (background) is false
 */
public record Sample(String clipId, int frame, int height, int width, float[] rgb, int[] label, float[] audio,
                     int channels, int sampleRate, boolean[] tags) {

    /** Samples per channel. */
    public int samplesPerChannel() {
        return audio.length / channels;
    }
}
