package cpm.train.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import cpm.io.AtomicFiles;
import cpm.train.NonFiniteLossException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stop on a non-finite loss: the session throws {@link NonFiniteLossException} before it changes anything,
 * the loop stops, and this listener writes nonfinite-report.json (step, term, items, every term's value, the last
 * good checkpoint) into the run folder.
 */
public final class NonFiniteReportListener implements TrainingListener {

    private final RunFolder folder;

    public NonFiniteReportListener(RunFolder folder) {
        this.folder = folder;
    }

    @Override
    public void onTrainingFailed(TrainingLoop loop, RuntimeException cause) {
        if (!(cause instanceof NonFiniteLossException e)) {
            return;
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("step", e.step());
        report.put("term", e.term());
        report.put("items", e.items());
        Map<String, Object> terms = new LinkedHashMap<>();
        e.terms().forEach((k, v) -> terms.put(k, Double.isFinite(v) ? v : String.valueOf(v)));
        report.put("terms", terms);
        Path last = folder.latestCheckpoint();
        report.put("lastGoodCheckpoint", last == null ? null : last.getFileName().toString());
        try {
            AtomicFiles.writeString(folder.nonFiniteReport(),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
