package cpm.train;

import ai.djl.ndarray.NDArray;

/** The terms of l_agn for one prediction set, each a weighted scalar with gradient; total = ce + focal + dice. */
public record LossTerms(NDArray ce, NDArray focal, NDArray dice, NDArray total) {

    /** Sum of two sets of terms (deep supervision over decoder layers). */
    public LossTerms plus(LossTerms o) {
        return new LossTerms(ce.add(o.ce), focal.add(o.focal), dice.add(o.dice), total.add(o.total));
    }
}
