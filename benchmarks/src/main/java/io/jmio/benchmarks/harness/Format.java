package io.jmio.benchmarks.harness;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The few number formats and statistics every harness report shares, so their tables read alike. */
public final class Format {
    private Format() {}

    /** "0.87", or "n/a" when there is no ratio. */
    public static String ratio(double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2f", r);
    }

    /** "41,234/s". */
    public static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f/s", perSecond);
    }

    public static String micros(double us, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f µs", us);
    }

    /** "12%" for 0.12. */
    public static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    /** "2" or "1.5" (seconds) for 2000 or 1500 ms. */
    public static String seconds(long millis) {
        return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    /** "3 min 12 s" or "48 s". */
    public static String duration(Duration d) {
        return d.toMinutes() > 0 ? d.toMinutes() + " min " + d.toSecondsPart() + " s" : d.toSeconds() + " s";
    }

    /** How far apart the figures of several rounds are: (max - min) / median; NaN for fewer than two. */
    public static double spread(double[] values) {
        if (values.length < 2) return Double.NaN;
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return (sorted[sorted.length - 1] - sorted[0]) / median(sorted);
    }

    /** The median of {@code metric} over {@code items}; NaN when there are none. */
    public static <T> double median(List<T> items, ToDoubleFunction<T> metric) {
        return median(items.stream().mapToDouble(metric).toArray());
    }

    /**
     * The median over rounds of a contender's figure divided by its reference's, from pairs
     * {contender, reference} of one round each. A reference figure of 0 (say, less CPU than one
     * clock tick in a starved window) gives no ratio.
     */
    public static <T> double medianRatio(List<T[]> pairs, ToDoubleFunction<T> metric) {
        return median(pairs.stream().filter(p -> metric.applyAsDouble(p[1]) > 0)
                .mapToDouble(p -> metric.applyAsDouble(p[0]) / metric.applyAsDouble(p[1])).toArray());
    }

    /** The median of {@code values}; NaN when there are none. */
    public static double median(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
