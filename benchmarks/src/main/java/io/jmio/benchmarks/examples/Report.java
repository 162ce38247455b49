package io.jmio.benchmarks.examples;

import static io.jmio.benchmarks.harness.Format.duration;
import static io.jmio.benchmarks.harness.Format.micros;
import static io.jmio.benchmarks.harness.Format.percent;
import static io.jmio.benchmarks.harness.Format.rate;
import static io.jmio.benchmarks.harness.Format.ratio;
import static io.jmio.benchmarks.harness.Format.seconds;

import io.jmio.benchmarks.harness.Format;
import io.jmio.benchmarks.harness.Machine;
import io.jmio.benchmarks.harness.ReadmeBlock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a run into its outputs: the markdown report (also what replaces README.md's examples block)
 * and the CSV of every round. Every number printed comes from {@link Results}; nothing is typed in.
 *
 * @param loadAfter the 1-minute load average when the run ended
 */
record Report(Options options, Machine machine, List<Suite> suites, Results results, ZonedDateTime started, Duration took,
              double loadAfter) {
    static final ReadmeBlock README = new ReadmeBlock("<!-- examples-results:begin -->", "<!-- examples-results:end -->");
    /** The TLS run's block ({@code --tls}), beside the plain-TCP ones. */
    static final ReadmeBlock TLS_README = new ReadmeBlock("<!-- tls-results:begin -->", "<!-- tls-results:end -->");

    String fileStem() {
        return (options.tls ? "tls-" : "examples-") + started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm", Locale.ROOT));
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(options.tls ? "### TLS: jmio vs Netty's SslHandler on the same JDK provider, " : "### Examples vs redis-server and Netty, ")
                .append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)))
                .append(" (").append(options.mode).append(" mode)\n\n");
        md.append(machine.summary(loadAfter));
        md.append(String.format(Locale.ROOT, "Run: %d round(s), %s s warm-up + %s s measured per test; took %s.%n%n",
                options.rounds, seconds(options.warmupMillis), seconds(options.measureMillis), duration(took)));
        for (Suite suite : suites) table(md, suite);
        failures(md);
        md.append("**Method.** ").append(method()).append('\n');
        if (suites.stream().anyMatch(s -> Suites.TLS.contains(s.id()))) md.append('\n').append(tlsMethod()).append('\n');
        return md.toString();
    }

    private void table(StringBuilder md, Suite suite) {
        boolean heap = suite.workloads().stream().anyMatch(w -> suite.contenders().stream()
                .anyMatch(c -> !Double.isNaN(results.cell(suite, w, c).heapBytesPerRequest())));
        md.append("**").append(suite.title()).append("**").append(target(suite)).append("\n\n");
        md.append("| test | server | requests/s | ratio | p50 | p99 | server CPU / request | CPU ratio |")
                .append(heap ? " server heap / request |" : "").append(" rounds | spread |\n");
        md.append("|---|---|---|---|---|---|---|---|").append(heap ? "---|" : "").append("---|---|\n");
        for (Workload workload : suite.workloads()) {
            String test = workload.label();
            for (Contender contender : suite.contenders()) {
                Results.Cell c = results.cell(suite, workload, contender);
                md.append("| ").append(test).append(" | ").append(contender.label()).append(" | ");
                test = "";
                if (c.rounds() == 0) {
                    md.append("— | — | — | — | — | — | ").append(heap ? "— | " : "").append("0 | — |\n");
                    continue;
                }
                List<String> cells = new ArrayList<>(List.of(rate(c.perSecond()), ratio(c.rateRatio()), micros(c.p50Micros(), 0),
                        micros(c.p99Micros(), 0), micros(c.cpuMicrosPerRequest(), 2), ratio(c.cpuRatio())));
                if (heap) cells.add(Double.isNaN(c.heapBytesPerRequest()) ? "—"
                        : String.format(Locale.ROOT, "%,.0f B", c.heapBytesPerRequest()));
                cells.add(String.valueOf(c.rounds()));
                cells.add(Double.isNaN(c.spread()) ? "—" : percent(c.spread()));
                md.append(String.join(" | ", cells)).append(" |\n");
            }
        }
        md.append('\n');
    }

    /** ", target ≥ 0.80× the reference: met on 7 of 10 (missed: SET -P 16 at 0.62)", or nothing. */
    private String target(Suite suite) {
        if (Double.isNaN(suite.target())) return "";
        int met = 0;
        int measured = 0;
        List<String> missed = new ArrayList<>();
        for (Workload workload : suite.workloads()) {
            for (Contender contender : suite.contenders().subList(1, suite.contenders().size())) {
                double r = results.cell(suite, workload, contender).rateRatio();
                if (Double.isNaN(r)) continue;
                measured++;
                if (r >= suite.target()) met++;
                else missed.add(String.format(Locale.ROOT, "%s %s at %.2f", contender.label(), workload.label(), r));
            }
        }
        return String.format(Locale.ROOT, " — target: requests/s ≥ %.2f× the reference's; met in %d of %d%s", suite.target(),
                met, measured, missed.isEmpty() ? "" : " (missed: " + String.join("; ", missed) + ")");
    }

    private void failures(StringBuilder md) {
        boolean any = false;
        for (Results.Entry e : results.entries()) {
            if (e.failure() == null) continue;
            md.append(String.format(Locale.ROOT, "- Failed: %s, %s, round %d: %s%n", e.contender().label(),
                    e.workload().label(), e.round(), e.failure().strip()));
            any = true;
        }
        if (any) md.append('\n');
    }

    /** What was measured, how, and how noisy it was, with this run's own parameters and spread. */
    private String method() {
        List<Double> spreads = new ArrayList<>();
        for (Suite suite : suites) {
            for (Workload workload : suite.workloads()) {
                for (Contender contender : suite.contenders()) {
                    double spread = results.cell(suite, workload, contender).spread();
                    if (!Double.isNaN(spread)) spreads.add(spread);
                }
            }
        }
        double[] all = spreads.stream().mapToDouble(Double::doubleValue).toArray();
        String noise = all.length == 0
                ? "With a single round there is no spread to report: treat these figures as rough."
                : String.format(Locale.ROOT, "Between rounds of this run, a server's requests/s on one test varied by %s "
                        + "in the median case and by up to %s (the spread column: (max - min) / median).",
                        percent(Format.median(all)), percent(spreads.stream().mapToDouble(Double::doubleValue).max().orElseThrow()));
        return String.format(Locale.ROOT, "Loopback TCP, one serving thread per server, every server pinned to CPU %1$d: "
                + "redis-server with `--save '' --appendonly no --io-threads 1`, the jmio examples and Netty with "
                + "`--threads 1`. The proxy suites pin each proxy (haproxy 2.6 in `mode tcp` with `nbthread 1` and no splicing, "
                + "as Debian configures it otherwise; the jmio proxy example) and the server behind it (the http example; for "
                + "proxy-bulk, Netty's hello server answering with 1 MiB) both to CPU %1$d, so proxied and direct serve from "
                + "the same one CPU; CPU per request counts both processes. The clients and this harness run pinned to CPU %2$d: "
                + "`redis-benchmark -c %3$d -t TEST [-P N] --csv` (its warm-up repeats runs for %4$s s, each sized from the "
                + "last rate; the measured run gets the request count that rate needs for %5$s s; any error reply fails the "
                + "test) and `wrk -t1 -c%3$d --latency` on GET / (%4$s s warm-up, %5$s s window rounded up to whole seconds; "
                + "any socket error or non-2xx response fails the test). Server CPU is user + system time of the server "
                + "process(es), all threads, JIT and GC included, from /proc/<pid>/stat over the measured run (clock ticks, "
                + "usually 10 ms), divided by its requests. JVM servers run on the harness's JDK with its default settings. "
                + "Every server starts afresh in each of %6$d round(s); contenders are taken in turn, order rotated each round; "
                + "each figure is the median over rounds and each ratio the median of per-round ratios to the suite's "
                + "reference (CPU ratio: lower is better). Clients' own CPU is not measured: with -P 16 one redis-benchmark "
                + "thread may be what limits both servers. %7$s",
                options.serverCpu, options.clientCpu, options.connections, seconds(options.warmupMillis),
                seconds(options.measureMillis), options.rounds, noise);
    }

    /** How the TLS suites were set up: the same key, protocol and cipher suite for every server. */
    private String tlsMethod() {
        return String.format(Locale.ROOT, "**TLS.** Every TLS server serves one %s key and self-signed certificate made by "
                + "`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes` for this run, on the JDK's own "
                + "SSLEngine (Netty: `SslProvider.JDK`), restricted to %s with %s by `%s` (jmio takes the context's "
                + "defaults; the Netty servers pass these properties to their SslContextBuilder). `https` is wrk over keep-alive "
                + "connections; `tls-handshakes` the same with `Connection: close` on every request, so each request is a new "
                + "TCP connection and a full handshake (the servers write about 1.15 KB per connection, certificate included), "
                + "after a warm-up %d times as long as the others' (see Wrk.HANDSHAKE_WARMUP_FACTOR: the JIT is still compiling "
                + "the key exchange after the short one); `tls-echo` is the echo harness's native load "
                + "generator (`loadgen.c` built with OpenSSL) on %d connections, each sending 64 bytes and waiting for their echo, "
                + "every connection handshaken before its %s s warm-up and checked to have negotiated %s; a request there is a "
                + "round trip. Server heap per request: bytes allocated by every thread of the server's JVM over the window "
                + "(HotSpot's per-thread counters, through the allocation probe agent), divided by its requests.",
                TlsKey.KEY_TYPE, TlsKey.PROTOCOL, TlsKey.CIPHER_SUITE, String.join(" ", TlsKey.JVM_OPTIONS),
                Wrk.HANDSHAKE_WARMUP_FACTOR, options.connections,
                seconds(options.warmupMillis), io.jmio.benchmarks.echo.harness.LoadGenerator.TLS_NEGOTIATED);
    }

    /** One line per contender × test × round, failures included. */
    String csv() {
        StringBuilder csv = new StringBuilder("round,suite,test,server,requests,requests_per_s,p50_us,p99_us,"
                + "server_cpu_us_per_request,server_busy,server_heap_bytes_per_request,failure\n");
        for (Results.Entry e : results.entries()) {
            csv.append(e.round()).append(',').append(e.suite().id()).append(',').append(e.workload().id()).append(',')
                    .append(e.contender().id()).append(',');
            Measurement m = e.measurement();
            if (m == null) {
                csv.append(",,,,,,,\"").append(e.failure().replace('"', '\'').replace('\n', ' ')).append('"');
            } else {
                csv.append(String.format(Locale.ROOT, "%d,%.1f,%.0f,%.0f,%.3f,%.3f,%s,", m.client().requests(),
                        m.client().perSecond(), m.client().p50Micros(), m.client().p99Micros(), m.cpuMicrosPerRequest(),
                        m.serverBusy(), Double.isNaN(m.heapBytesPerRequest()) ? "" : String.format(Locale.ROOT, "%.0f",
                                m.heapBytesPerRequest())));
            }
            csv.append('\n');
        }
        return csv.toString();
    }
}
