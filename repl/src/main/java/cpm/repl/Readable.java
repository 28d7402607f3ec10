package cpm.repl;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Prints the decimals of a command's table with five significant digits ({@code 0.00004}, {@code 213.30},
 * {@code 8990.5}), so the columns fit a terminal. Only the printing changes; the values stay exact for snippets.
 */
final class Readable extends NumberColumnFormatter {

    private static final Readable INSTANCE = new Readable();

    private Readable() {
        super("");
    }

    /** Sets the readable formatter on every double column of {@code t}; returns {@code t}. */
    static Table apply(Table t) {
        for (Column<?> c : t.columns()) {
            if (c instanceof DoubleColumn d) {
                d.setPrintFormatter(INSTANCE);
            }
        }
        return t;
    }

    static String format5(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-4 || a >= 1e7)) {
            return String.format(Locale.ROOT, "%.4e", v);
        }
        return new BigDecimal(v).round(new MathContext(5)).stripTrailingZeros().toPlainString();
    }

    @Override
    public String format(double value) {
        return format5(value);
    }

    @Override
    public String format(float value) {
        return format5(value);
    }
}
