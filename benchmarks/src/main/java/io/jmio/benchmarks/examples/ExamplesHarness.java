package io.jmio.benchmarks.examples;

import io.jmio.benchmarks.echo.harness.LoadGenerator;
import io.jmio.benchmarks.echo.harness.NativeBuild;
import io.jmio.benchmarks.harness.AllocationProbe;
import io.jmio.benchmarks.harness.HarnessMain;
import io.jmio.benchmarks.harness.Machine;
import io.jmio.benchmarks.harness.ReadmeBlock;
import io.jmio.benchmarks.harness.ServerProcess;
import io.jmio.benchmarks.harness.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The examples' side-by-side comparison in one command (benchmarks/run-examples.sh runs it): the kv
 * example against redis-server under redis-benchmark, the http example against Netty under wrk, and
 * wrk through the proxy example against haproxy (small requests, and 1 MiB responses), and, with
 * {@code --tls}, the TLS examples against Netty's SslHandler (HTTPS under wrk, handshakes, TLS echo
 * from the echo harness's load generator). Round after round each contender starts pinned to
 * one CPU, every workload warms it up and then measures it from the other CPU while its CPU time is
 * sampled, and it stops. Prints a markdown report and writes it with a CSV of every round to
 * {@code --out}, plus README.md's block in the default mode. See {@link Options#USAGE}.
 */
public final class ExamplesHarness {
    private static final long START_TIMEOUT_MILLIS = 60_000;

    private final Options options;
    private final double clockTicksPerSecond;
    private final Results results = new Results();
    /** The allocation probe agent every JVM server loads. */
    private Path probeJar;

    private ExamplesHarness(Options options, double clockTicksPerSecond) {
        this.options = options;
        this.clockTicksPerSecond = clockTicksPerSecond;
    }

    public static void main(String[] args) {
        HarnessMain.main("examples harness", args, Options::parse,
                options -> new ExamplesHarness(options, ServerProcess.clockTicksPerSecond()).run());
    }

    /** Runs every suite; returns the exit code: 1 when any test failed (the report says which and why). */
    private int run() throws IOException, InterruptedException {
        List<String> tools = new ArrayList<>(List.of("taskset"));
        if (options.suites.contains("kv")) tools.addAll(List.of("redis-server", "redis-benchmark"));
        if (options.suites.stream().anyMatch(suite -> !suite.equals("kv"))) tools.add("wrk");
        if (options.suites.stream().anyMatch(suite -> suite.startsWith("proxy"))) tools.add("haproxy");
        if (options.suites.stream().anyMatch(Suites.TLS::contains)) tools.add("openssl");
        if (options.suites.contains("tls-echo")) tools.add("gcc");
        for (String tool : tools) {
            if (!Shell.onPath(tool)) throw new IllegalStateException(tool + " is not on the PATH; the harness needs it");
        }
        Machine machine = HarnessMain.prepare(options.clientCpu);
        ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
        Instant start = Instant.now();
        Path scratch = Files.createTempDirectory("jmio-examples-bench");
        try {
            probeJar = scratch.resolve("allocation-probe.jar");
            AllocationProbe.writeJar(probeJar);
            TlsKey tls = options.suites.stream().anyMatch(Suites.TLS::contains) ? TlsKey.generate(scratch.resolve("tls")) : null;
            EchoLoad tlsEcho = null;
            if (options.suites.contains("tls-echo")) {
                Path loadgen = NativeBuild.compile("loadgen", scratch, "loadgen-tls", List.of("-DLOADGEN_TLS"), List.of("-lssl", "-lcrypto"));
                LoadGenerator generator = new LoadGenerator(List.of("taskset", "-c", String.valueOf(options.clientCpu), loadgen.toString()),
                        clockTicksPerSecond, "tls");
                tlsEcho = new EchoLoad(generator, options.connections, 64, options.warmupMillis, scratch);
            }
            List<Suite> suites = Suites.selected(options, new PinnedClient(options.clientCpu, scratch), tls, tlsEcho);
            for (int round = 1; round <= options.rounds; round++) {
                for (Suite suite : suites) {
                    // Rotating the order spreads slow drifts of the machine over all contenders.
                    List<Contender> order = new ArrayList<>(suite.contenders());
                    Collections.rotate(order, -(round - 1));
                    for (Contender contender : order) runContender(round, suite, contender);
                }
            }
            Report report = new Report(options, machine, suites, results, started, Duration.between(start, Instant.now()),
                    Machine.currentLoadAverage());
            writeOutputs(report);
        } finally {
            try (Stream<Path> paths = Files.walk(scratch)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        boolean failed = results.entries().stream().anyMatch(e -> e.failure() != null);
        if (failed) log("some tests failed: see the report");
        return failed ? 1 : 0;
    }

    /** Starts {@code contender} afresh and runs every workload of its suite against it. */
    private void runContender(int round, Suite suite, Contender contender) throws IOException, InterruptedException {
        List<ServerProcess> processes = new ArrayList<>();
        try {
            List<String> extraArgs = List.of();
            if (contender.upstream() != null) {
                ServerProcess upstream = start(contender.upstream(), List.of());
                processes.add(upstream);
                extraArgs = List.of("--upstream", "127.0.0.1:" + upstream.port());
            }
            ServerProcess server = start(contender.server(), extraArgs);
            processes.add(server);
            for (Workload workload : suite.workloads()) {
                try {
                    Measurement m = measure(workload, server, processes);
                    results.add(round, suite, workload, contender, m);
                    log("round %d/%d  %-42s %-22s %,11.0f req/s  p50 %,7.0f µs  p99 %,7.0f µs  cpu %6.2f µs/req  heap %,7.0f B/req  (server %3.0f%% busy)",
                            round, options.rounds, contender.label(), workload.label(), m.client().perSecond(),
                            m.client().p50Micros(), m.client().p99Micros(), m.cpuMicrosPerRequest(), m.heapBytesPerRequest(),
                            m.serverBusy() * 100);
                } catch (ClientFailure | IOException e) {
                    String why = e.getMessage() + deaths(processes);
                    log("round %d: %s %s failed: %s", round, contender.label(), workload.label(), why);
                    results.fail(round, suite, workload, contender, why);
                }
            }
        } catch (ServerProcess.StartFailure e) {
            log("round %d: %s did not start: %s", round, contender.label(), e.getMessage());
            for (Workload workload : suite.workloads()) results.fail(round, suite, workload, contender, "did not start: " + e.getMessage());
        } finally {
            for (int i = processes.size() - 1; i >= 0; i--) processes.get(i).close(); // the proxy before its upstream
        }
    }

    /**
     * Warms the server up, then samples the CPU and allocations of all its processes around the
     * measured run; the echo load generator marks its own window and samples the server there.
     */
    private Measurement measure(Workload workload, ServerProcess server, List<ServerProcess> processes)
            throws IOException, InterruptedException, ClientFailure {
        if (workload instanceof EchoLoad echo) return echo.measure(server, options.measureMillis);
        double warmRate = workload.warmUp(server.port(), options.warmupMillis);
        long startNanos = System.nanoTime();
        long[] start = sample(processes);
        ClientResult client = workload.measure(server.port(), options.measureMillis, warmRate);
        long[] end = sample(processes);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double cpuSeconds = (end[0] - start[0]) / clockTicksPerSecond;
        double heap = start[1] < 0 ? Double.NaN : (double) (end[1] - start[1]) / client.requests();
        return new Measurement(client, cpuSeconds / client.requests() * 1e6, cpuSeconds / seconds, heap);
    }

    /** CPU ticks of all {@code processes}, and the bytes their JVMs allocated (-1 when none is a JVM). */
    private static long[] sample(List<ServerProcess> processes) throws IOException {
        long ticks = 0;
        long allocated = -1;
        for (ServerProcess p : processes) {
            ServerProcess.Sample sample = p.sample();
            ticks += sample.cpuTicks();
            if (sample.allocatedBytes() >= 0) allocated = Math.max(allocated, 0) + sample.allocatedBytes();
        }
        return new long[] {ticks, allocated};
    }

    private ServerProcess start(Launch launch, List<String> extraArgs) throws IOException, ServerProcess.StartFailure {
        int port = HarnessMain.freePort();
        return ServerProcess.startOnPort(launch.command(options.serverCpu, extraArgs, port, probeJar), port, launch.readyLine(),
                launch.isJvm(), START_TIMEOUT_MILLIS);
    }

    /** Says which of the processes died, with their last words; empty when all are alive. */
    private static String deaths(List<ServerProcess> processes) {
        StringBuilder deaths = new StringBuilder();
        for (ServerProcess p : processes) {
            if (!p.isAlive()) deaths.append(" (a server died: ").append(p.recentOutput().replace('\n', ' ')).append(')');
        }
        return deaths.toString();
    }

    private void writeOutputs(Report report) throws IOException {
        String markdown = report.markdown();
        HarnessMain.writeReport(options.out, report.fileStem(), markdown, report.csv());
        if (options.readme != null) {
            ReadmeBlock block = options.tls ? Report.TLS_README : Report.README;
            if (block.replace(options.readme, markdown)) log("updated the %s block of %s", block.begin(), options.readme);
            else log("%s has no %s ... %s block; left it alone", options.readme, block.begin(), block.end());
        }
    }

    private static void log(String format, Object... args) {
        HarnessMain.log(format, args);
    }
}
