package io.jmio.benchmarks.examples;

import io.jmio.benchmarks.harness.Format;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a run measured, in the order it ran, and the medians the report prints. A ratio is the
 * median over rounds of the contender's figure divided by its suite reference's figure in the same
 * round, so a machine drifting between rounds does not leak into it.
 */
final class Results {
    /** One contender × workload × round: a measurement, or why there is none. */
    record Entry(int round, Suite suite, Workload workload, Contender contender, Measurement measurement, String failure) {}

    /** Medians over rounds; NaN where nothing was measured. {@code spread} is (max - min) / median of requests/s. */
    record Cell(int rounds, double perSecond, double rateRatio, double p50Micros, double p99Micros,
                double cpuMicrosPerRequest, double cpuRatio, double serverBusy, double spread, double heapBytesPerRequest) {}

    private final List<Entry> entries = new ArrayList<>();

    void add(int round, Suite suite, Workload workload, Contender contender, Measurement measurement) {
        entries.add(new Entry(round, suite, workload, contender, measurement, null));
    }

    void fail(int round, Suite suite, Workload workload, Contender contender, String why) {
        entries.add(new Entry(round, suite, workload, contender, null, why));
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    Cell cell(Suite suite, Workload workload, Contender contender) {
        List<Measurement> own = new ArrayList<>();
        List<Measurement[]> pairs = new ArrayList<>();
        for (Entry e : entries) {
            if (!matches(e, suite, workload, contender) || e.measurement() == null) continue;
            own.add(e.measurement());
            Measurement reference = find(e.round(), suite, workload, suite.reference());
            if (reference != null) pairs.add(new Measurement[] {e.measurement(), reference});
        }
        double[] rates = own.stream().mapToDouble(m -> m.client().perSecond()).toArray();
        return new Cell(own.size(), Format.median(rates), Format.medianRatio(pairs, m -> m.client().perSecond()),
                Format.median(own, m -> m.client().p50Micros()), Format.median(own, m -> m.client().p99Micros()),
                Format.median(own, Measurement::cpuMicrosPerRequest), Format.medianRatio(pairs, Measurement::cpuMicrosPerRequest),
                Format.median(own, Measurement::serverBusy), Format.spread(rates), Format.median(own, Measurement::heapBytesPerRequest));
    }

    private Measurement find(int round, Suite suite, Workload workload, Contender contender) {
        for (Entry e : entries) {
            if (e.round() == round && matches(e, suite, workload, contender)) return e.measurement();
        }
        return null;
    }

    private static boolean matches(Entry e, Suite suite, Workload workload, Contender contender) {
        return e.suite().id().equals(suite.id()) && e.workload().id().equals(workload.id())
                && e.contender().id().equals(contender.id());
    }

}
