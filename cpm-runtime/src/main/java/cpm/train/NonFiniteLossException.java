package cpm.train;

import java.util.List;
import java.util.Map;

/** A loss or gradient that is not finite: names the step, the term and the batch, so the run can be diagnosed. */
public final class NonFiniteLossException extends RuntimeException {

    private final long step;
    private final String term;
    private final List<String> items;
    private final Map<String, Double> terms;

    public NonFiniteLossException(long step, String term, List<String> items, Map<String, Double> terms) {
        super("non-finite " + term + " at step " + step + " (items " + items + ")");
        this.step = step;
        this.term = term;
        this.items = List.copyOf(items);
        this.terms = Map.copyOf(terms);
    }

    public long step() {
        return step;
    }

    public String term() {
        return term;
    }

    public List<String> items() {
        return items;
    }

    public Map<String, Double> terms() {
        return terms;
    }
}
