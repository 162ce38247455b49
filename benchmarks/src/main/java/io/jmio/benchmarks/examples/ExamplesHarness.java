package io.jmio.benchmarks.examples;

import io.jmio.benchmarks.harness.HarnessMain;
import io.jmio.benchmarks.harness.Machine;
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
import java.util.List;

/**
 * The examples' side-by-side comparison in one command (benchmarks/run-examples.sh runs it): the kv
 * example against redis-server under redis-benchmark, the http example against Netty under wrk, and
 * wrk through the proxy example against haproxy (small requests, and 1 MiB responses). Round after round each contender starts pinned to
 * one CPU, every workload warms it up and then measures it from the other CPU while its CPU time is
 * sampled, and it stops. Prints a markdown report and writes it with a CSV of every round to
 * {@code --out}, plus README.md's block in the default mode. See {@link Options#USAGE}.
 */
public final class ExamplesHarness {
    private static final long START_TIMEOUT_MILLIS = 60_000;

    private final Options options;
    private final double clockTicksPerSecond;
    private final Results results = new Results();

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
        for (String tool : tools) {
            if (!Shell.onPath(tool)) throw new IllegalStateException(tool + " is not on the PATH; the harness needs it");
        }
        Machine machine = HarnessMain.prepare(options.clientCpu);
        ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
        Instant start = Instant.now();
        Path scratch = Files.createTempDirectory("jmio-examples-bench");
        try {
            List<Suite> suites = Suites.selected(options, new PinnedClient(options.clientCpu, scratch));
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
            Files.deleteIfExists(scratch);
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
                    log("round %d/%d  %-42s %-22s %,11.0f req/s  p50 %,7.0f µs  p99 %,7.0f µs  cpu %6.2f µs/req  (server %3.0f%% busy)",
                            round, options.rounds, contender.label(), workload.label(), m.client().perSecond(),
                            m.client().p50Micros(), m.client().p99Micros(), m.cpuMicrosPerRequest(), m.serverBusy() * 100);
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

    /** Warms the server up, then samples the CPU of all its processes around the measured run. */
    private Measurement measure(Workload workload, ServerProcess server, List<ServerProcess> processes)
            throws IOException, InterruptedException, ClientFailure {
        double warmRate = workload.warmUp(server.port(), options.warmupMillis);
        long startNanos = System.nanoTime();
        long startTicks = cpuTicks(processes);
        ClientResult client = workload.measure(server.port(), options.measureMillis, warmRate);
        long ticks = cpuTicks(processes) - startTicks;
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double cpuSeconds = ticks / clockTicksPerSecond;
        return new Measurement(client, cpuSeconds / client.requests() * 1e6, cpuSeconds / seconds);
    }

    private static long cpuTicks(List<ServerProcess> processes) throws IOException {
        long ticks = 0;
        for (ServerProcess p : processes) ticks += p.sample().cpuTicks();
        return ticks;
    }

    private ServerProcess start(Launch launch, List<String> extraArgs) throws IOException, ServerProcess.StartFailure {
        int port = HarnessMain.freePort();
        return ServerProcess.startOnPort(launch.command(options.serverCpu, extraArgs, port), port, launch.readyLine(),
                START_TIMEOUT_MILLIS);
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
            if (Report.README.replace(options.readme, markdown)) log("updated the examples block of %s", options.readme);
            else log("%s has no %s ... %s block; left it alone", options.readme, Report.README.begin(), Report.README.end());
        }
    }

    private static void log(String format, Object... args) {
        HarnessMain.log(format, args);
    }
}
