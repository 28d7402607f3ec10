package cpm.data;

/** One problem found in a data set: the file, what is wrong with it, and its kind (data check groups by kind). */
public record DataProblem(String file, String problem, Kind kind) {

    /** Kinds of problem; data check prints at most a few lines of each kind. */
    public enum Kind {
        MISSING("missing file or folder"),
        OUTSIDE_ROOT("path outside the data root"),
        TEXT("text encoding"),
        METADATA("metadata row"),
        DUPLICATE_CLIP("clip listed twice"),
        CLASS_MAP("class map (label2idx.json)"),
        FRAME_COUNT("frame count"),
        IMAGE("unreadable image"),
        LABEL_SIZE("label map size"),
        PALETTE("colour outside the palette"),
        CLASS_INDEX("class beyond the class map"),
        LABEL_MISMATCH("labels_semantic and labels_rgb disagree"),
        WAV("unreadable or unsupported WAV"),
        AUDIO_LENGTH("audio shorter than the frames"),
        AUDIO_CHANNELS("audio channels"),
        OTHER("other");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public DataProblem(String file, String problem) {
        this(file, problem, Kind.OTHER);
    }

    static DataProblem of(DataException e) {
        return new DataProblem(e.file(), "found " + e.found() + ", expected " + e.expected(), e.kind());
    }

    /** The same text a reader's {@link DataException} carries. */
    @Override
    public String toString() {
        return file + ": " + problem;
    }
}
