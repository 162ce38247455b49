package io.jmio.benchmarks.echo.harness;

import io.jmio.benchmarks.harness.Format;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a run measured, in the order it ran, and the medians the report prints. A ratio is the
 * median, over the rounds where both ran, of the server's figure divided by the reference's figure
 * in the same round: pairs taken minutes apart on a shared machine would carry its drift.
 */
final class Results {
    /** One server × scenario × round: a measurement, or the reason there is none. */
    record Entry(int round, ServerSpec server, Scenario scenario, Measurement measurement, String failure) {}

    /** The medians of one server in one scenario; NaN where nothing was measured. */
    record Cell(int rounds, double rttPerSecond, double rttRatio, double p50Micros, double p50Ratio,
                double p99Micros, double p99Ratio, double cpuMicrosPerRtt, double cpuRatio,
                double heapBytesPerRtt, double spread, double clientBusy) {}

    private final List<Entry> entries = new ArrayList<>();

    synchronized void add(int round, ServerSpec server, Scenario scenario, Measurement measurement) {
        entries.add(new Entry(round, server, scenario, measurement, null));
    }

    synchronized void fail(int round, ServerSpec server, Scenario scenario, String why) {
        entries.add(new Entry(round, server, scenario, null, why));
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    synchronized Cell cell(String serverId, String referenceId, Scenario scenario) {
        List<Measurement> own = new ArrayList<>();
        List<Measurement[]> pairs = new ArrayList<>();
        for (Entry e : entries) {
            if (e.measurement() == null || !e.server().id().equals(serverId) || !e.scenario().equals(scenario)) continue;
            own.add(e.measurement());
            Measurement reference = measurement(e.round(), referenceId, scenario);
            if (reference != null) pairs.add(new Measurement[] {e.measurement(), reference});
        }
        return new Cell(own.size(),
                Format.median(own, Measurement::rttPerSecond), Format.medianRatio(pairs, Measurement::rttPerSecond),
                Format.median(own, Measurement::p50Micros), Format.medianRatio(pairs, Measurement::p50Micros),
                Format.median(own, Measurement::p99Micros), Format.medianRatio(pairs, Measurement::p99Micros),
                Format.median(own, Measurement::cpuMicrosPerRtt), Format.medianRatio(pairs, Measurement::cpuMicrosPerRtt),
                Format.median(own, Measurement::heapBytesPerRtt), spread(own), Format.median(own, Measurement::clientBusy));
    }

    private Measurement measurement(int round, String serverId, Scenario scenario) {
        for (Entry e : entries) {
            if (e.round() == round && e.server().id().equals(serverId) && e.scenario().equals(scenario)) return e.measurement();
        }
        return null;
    }


    /** Range of round trips/s across rounds relative to their median: how far one round can be off. */
    private static double spread(List<Measurement> measurements) {
        return Format.spread(measurements.stream().mapToDouble(Measurement::rttPerSecond).toArray());
    }
}
