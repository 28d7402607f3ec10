package cpm.bench;

/** One measurement of {@code ./cpm bench}: a CSV row {@code name,unit,value,detail}. */
public record BenchRow(String name, String unit, double value, String detail) {

    /** The CSV line (detail quoted when it holds a comma or a quote). */
    public String csv() {
        String d = detail;
        if (d.contains(",") || d.contains("\"") || d.contains("\n")) {
            d = "\"" + d.replace("\"", "\"\"") + "\"";
        }
        return name + "," + unit + "," + format(value) + "," + d;
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        String s = String.format(java.util.Locale.ROOT, "%.4g", v);  // 4 significant digits, no trailing zeros
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }
}
