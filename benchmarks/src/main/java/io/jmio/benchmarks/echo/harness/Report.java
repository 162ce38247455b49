package io.jmio.benchmarks.echo.harness;

import static io.jmio.benchmarks.harness.Format.duration;
import static io.jmio.benchmarks.harness.Format.micros;
import static io.jmio.benchmarks.harness.Format.percent;
import static io.jmio.benchmarks.harness.Format.rate;
import static io.jmio.benchmarks.harness.Format.ratio;
import static io.jmio.benchmarks.harness.Format.seconds;

import io.jmio.benchmarks.harness.Format;
import io.jmio.benchmarks.harness.Machine;
import io.jmio.benchmarks.harness.ReadmeBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Turns a run into its outputs: the markdown report (also what replaces the README's results block)
 * and the CSV of every round. Every number printed comes from {@link Results}; nothing is typed in.
 */
final class Report {
    static final String README_BEGIN = "<!-- echo-results:begin -->";
    static final String README_END = "<!-- echo-results:end -->";
    /** A load generator this busy may be what limits the round trips, not the server. */
    static final double CLIENT_SATURATED = 0.90;

    private final Options options;
    private final Machine machine;
    private final List<ServerSpec> servers;
    private final Map<String, String> notRun;
    private final Results results;
    private final ZonedDateTime started;
    private final Duration took;
    private final double loadAfter;

    Report(Options options, Machine machine, List<ServerSpec> servers, Map<String, String> notRun, Results results,
           ZonedDateTime started, Duration took, double loadAfter) {
        this.options = options;
        this.machine = machine;
        this.servers = servers;
        this.notRun = notRun;
        this.results = results;
        this.started = started;
        this.took = took;
        this.loadAfter = loadAfter;
    }

    String fileStem() {
        return (options.lines ? "echo-lines-" : "echo-") + started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm", Locale.ROOT));
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(options.lines ? "### Line echo comparison, " : "### Echo comparison, ").append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)))
                .append(" (").append(options.mode).append(" mode)\n\n");
        md.append(machine.summary(loadAfter));
        md.append(String.format(Locale.ROOT, "Run: %d round(s) × %d scenario(s), %s s warm-up + %s s measured each; took %s.%n%n",
                options.rounds, options.scenarios.size(), seconds(options.warmupMillis), seconds(options.measureMillis), duration(took)));
        summaryTable(md);
        if (options.lines) peerRatios(md);
        for (Scenario scenario : options.scenarios) scenarioTable(md, scenario);
        notes(md);
        md.append("**Method.** ").append(method()).append('\n');
        return md.toString();
    }

    /** Round trips/s for every server and scenario: the table to read first. */
    private void summaryTable(StringBuilder md) {
        md.append("Round trips per second, as a ratio to C in the same run (absolute in brackets; higher is better):\n\n");
        StringJoiner header = new StringJoiner(" | ", "| server | ", " |\n");
        StringJoiner rule = new StringJoiner("|", "|---|", "|\n");
        for (Scenario s : options.scenarios) {
            header.add(s.label());
            rule.add("---");
        }
        md.append(header).append(rule);
        for (ServerSpec server : servers) {
            StringJoiner row = new StringJoiner(" | ", "| " + server.label() + " | ", " |\n");
            for (Scenario s : options.scenarios) {
                Results.Cell c = cell(server, s);
                row.add(c.rounds() == 0 ? "—" : both(ratio(c.rttRatio()), rate(c.rttPerSecond())));
            }
            md.append(row);
        }
        md.append('\n');
    }

    /**
     * The lines suite's targets: jmio's lines/s as a ratio to Netty's and to Ktor's, each the median of
     * per-round ratios (as the ratios to C), and the heap each allocates per line.
     */
    private void peerRatios(StringBuilder md) {
        List<ServerSpec> jmio = servers.stream().filter(s -> s.id().startsWith("jmio-lines")).toList();
        List<String> peers = List.of("netty-lines", "ktor-lines");
        for (Scenario s : options.scenarios) {
            for (ServerSpec j : jmio) {
                List<String> ratios = new ArrayList<>();
                for (String peer : peers) {
                    Results.Cell c = results.cell(j.id(), peer, s);
                    if (!Double.isNaN(c.rttRatio())) ratios.add(ratio(c.rttRatio()) + " " + label(peer) + "'s lines/s");
                }
                // A row that did not run, or ran in no round with a peer, has nothing to say.
                if (!ratios.isEmpty()) md.append("- ").append(j.label()).append(", ").append(s.label()).append(": ")
                        .append(String.join("; ", ratios)).append('\n');
            }
        }
        md.append('\n');
    }

    private void scenarioTable(StringBuilder md, Scenario scenario) {
        md.append("**").append(scenario.label()).append("** (ratios to C; latency and CPU: lower is better)\n\n");
        md.append("| server | round trips/s | p50 latency | p99 latency | server CPU / round trip | heap / round trip | rounds | spread |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (ServerSpec server : servers) {
            Results.Cell c = cell(server, scenario);
            if (c.rounds() == 0) {
                md.append("| ").append(server.label()).append(" | — | — | — | — | — | 0 | — |\n");
                continue;
            }
            md.append("| ").append(server.label())
                    .append(" | ").append(both(ratio(c.rttRatio()), rate(c.rttPerSecond())))
                    .append(" | ").append(both(ratio(c.p50Ratio()), latency(c.p50Micros())))
                    .append(" | ").append(both(ratio(c.p99Ratio()), latency(c.p99Micros())))
                    .append(" | ").append(both(ratio(c.cpuRatio()), micros(c.cpuMicrosPerRtt(), 2)))
                    .append(" | ").append(Double.isNaN(c.heapBytesPerRtt()) ? "—" : String.format(Locale.ROOT, "%,.0f B", c.heapBytesPerRtt()))
                    .append(" | ").append(c.rounds())
                    .append(" | ").append(Double.isNaN(c.spread()) ? "—" : percent(c.spread()))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private void notes(StringBuilder md) {
        List<String> notes = new ArrayList<>();
        notRun.forEach((id, why) -> notes.add("Not run: " + label(id) + ": " + why + "."));
        for (Results.Entry e : results.entries()) {
            if (e.failure() != null) {
                notes.add(String.format(Locale.ROOT, "Failed: %s, %s, round %d: %s.", e.server().label(),
                        e.scenario().label(), e.round(), e.failure()));
            }
        }
        List<String> saturated = new ArrayList<>();
        for (ServerSpec server : servers) {
            for (Scenario s : options.scenarios) {
                Results.Cell c = cell(server, s);
                if (c.rounds() > 0 && c.clientBusy() >= CLIENT_SATURATED) {
                    saturated.add(String.format(Locale.ROOT, "%s %s (%s)", server.label(), s.label(), percent(c.clientBusy())));
                }
            }
        }
        if (!saturated.isEmpty()) {
            notes.add("The load generator used ≥ " + percent(CLIENT_SATURATED) + " of its CPU in: " + String.join("; ", saturated)
                    + ". There the client may cap round trips/s (and so the ratio of a faster server); CPU per round trip still compares.");
        }
        for (String note : notes) md.append("- ").append(note).append('\n');
        if (!notes.isEmpty()) md.append('\n');
    }

    /** What was measured, how, and how noisy it was, with this run's own parameters and spread. */
    private String method() {
        List<Double> spreads = new ArrayList<>();
        for (ServerSpec server : servers) {
            for (Scenario s : options.scenarios) {
                double spread = cell(server, s).spread();
                if (!Double.isNaN(spread)) spreads.add(spread);
            }
        }
        String noise = spreads.isEmpty()
                ? "With a single round there is no spread to report: treat these figures as rough."
                : String.format(Locale.ROOT, "Between rounds of this run, a server's round trips/s varied by %s in the median case "
                        + "and by up to %s; absolute numbers drift further between runs on a shared machine, so compare ratios.",
                        percent(Format.median(spreads.stream().mapToDouble(Double::doubleValue).toArray())),
                        percent(spreads.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)));
        return String.format(Locale.ROOT, "Loopback TCP echo, ping-pong: each connection sends a message and waits for the "
                + "whole echo before sending the next. The load generator (C, one thread, edge-triggered epoll, every echoed "
                + "byte checked) and this harness run pinned to CPU %d; each server runs pinned to CPU %d with one serving "
                + "thread (Ktor also moves bytes on its own Dispatchers.IO threads, on that same CPU). Each scenario has a %s s warm-up, then a %s s measured window; %d round(s) take the servers in turn "
                + "(order rotated each round) and each figure is the median over rounds. A ratio is the median of per-round "
                + "ratios to the C reference measured in the same round. Latency is per round trip, at 1 µs resolution. "
                + "Server CPU is user + system time of the whole server process (all its threads, JIT included) from "
                + "/proc/<pid>/stat over the window (in clock ticks, usually 10 ms), divided by the round trips. Heap per round trip is what all server "
                + "threads allocated over the window (HotSpot's per-thread counters, read by a small agent); JVM servers run "
                + "on the harness's JDK with Epsilon GC (no collector runs; 4 GB heap, not pre-touched), except a row "
                + "labelled G1 GC. %s",
                options.clientCpu, options.serverCpu, seconds(options.warmupMillis), seconds(options.measureMillis),
                options.rounds, noise) + (options.lines ? " " + LINES_METHOD : "");
    }

    private static final String LINES_METHOD = "Lines suite: every message is one line (printable bytes, then a '\\n', "
            + "the scenario's size in all), and one round trip is one line. The C server echoes bytes without looking for line ends "
            + "(the ceiling); the JVM servers parse and re-encode each line as their users would: jmio StreamReader.readLine, "
            + "StreamWriter.writeString + '\\n' + flush; Netty LineBasedFrameDecoder + StringDecoder + LineEncoder (its string "
            + "encoder for lines), flushed per read batch; Ktor readUTF8Line, writeStringUtf8 + '\\n' + flush. Heap per "
            + "round trip is the heap per line.";

    /** One line per server × scenario × round, failures included. */
    String csv() {
        StringBuilder csv = new StringBuilder("round,server,scenario,connections,message_bytes,rtt_per_s,p50_us,p99_us,"
                + "server_cpu_us_per_rtt,heap_bytes_per_rtt,server_busy,client_busy,failure\n");
        for (Results.Entry e : results.entries()) {
            Measurement m = e.measurement();
            csv.append(e.round()).append(',').append(e.server().id()).append(',').append(e.scenario().id()).append(',')
                    .append(e.scenario().connections()).append(',').append(e.scenario().size()).append(',');
            if (m == null) {
                csv.append(",,,,,,,").append('"').append(e.failure().replace('"', '\'').replace('\n', ' ')).append('"');
            } else {
                csv.append(String.format(Locale.ROOT, "%.1f,%.0f,%.0f,%.3f,%s,%.3f,%.3f,", m.rttPerSecond(), m.p50Micros(),
                        m.p99Micros(), m.cpuMicrosPerRtt(), Double.isNaN(m.heapBytesPerRtt()) ? "" : String.format(Locale.ROOT, "%.1f", m.heapBytesPerRtt()),
                        m.serverBusy(), m.clientBusy()));
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    /**
     * Replaces the block between {@link #README_BEGIN} and {@link #README_END} in {@code readme} with
     * this report and the chart link. Returns false, touching nothing, when the markers are absent.
     */
    boolean updateReadme(Path readme, String chartLink) throws IOException {
        return new ReadmeBlock(README_BEGIN, README_END).replace(readme,
                markdown() + (chartLink == null ? "" : "\n![Echo round trips/s relative to C](" + chartLink + ")\n"));
    }

    private Results.Cell cell(ServerSpec server, Scenario scenario) {
        return results.cell(server.id(), Servers.REFERENCE, scenario);
    }

    private String label(String id) {
        return servers.stream().filter(s -> s.id().equals(id)).map(ServerSpec::label).findFirst().orElse(id);
    }

    private static String both(String ratio, String absolute) {
        return ratio + " (" + absolute + ")";
    }

    /** The load generator puts every round trip of 1 s or more into its last bucket, 1,000,000 µs. */
    private static String latency(double us) {
        return us >= 1_000_000 ? "≥ 1 s" : micros(us, 0);
    }
}
