package cpm.data;

/** One problem found by {@link DataCheck}: the file and what is wrong with it. */
public record DataProblem(String file, String problem) {

    static DataProblem of(DataException e) {
        return new DataProblem(e.file(), "found " + e.found() + ", expected " + e.expected());
    }

    @Override
    public String toString() {
        return file + ": " + problem;
    }
}
