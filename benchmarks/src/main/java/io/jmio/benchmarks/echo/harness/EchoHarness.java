package io.jmio.benchmarks.echo.harness;

import io.jmio.benchmarks.harness.AllocationProbe;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The echo comparison in one command (benchmarks/run-echo.sh runs it): compiles the C reference
 * server and the load generator, then, round after round, starts each server pinned to one CPU, waits
 * for its listening line, drives every scenario from the other CPU, samples the server's CPU time and
 * allocations across each measured window, and stops it. Prints a markdown report and writes it with
 * a CSV of every round to {@code --out}, plus the chart (default mode). See {@link Options#USAGE}.
 */
public final class EchoHarness {
    /** Epsilon never collects, so no GC work lands in the CPU figures; 4 GB outlasts any server's run. */
    private static final List<String> JVM_FLAGS = List.of("-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC",
            "-Xms4g", "-Xmx4g",
            // Not pre-touching 4 GB saves about 8 s per start. The price is a page fault on the first touch of
            // each heap page, paid in proportion to what a server allocates (nothing for the servers that do
            // not). Silence Epsilon's advice to pre-touch.
            "-Xlog:gc+init=error");
    private static final long START_TIMEOUT_MILLIS = 60_000;

    private final Options options;
    /** Scratch directory of this run: compiled C programs, the probe jar, load generator logs. */
    private Path work;
    private Path referenceServer;
    private Path probeJar;
    private LoadGenerator loadGenerator;

    private EchoHarness(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        HarnessMain.main("echo harness", args, Options::parse, options -> new EchoHarness(options).run());
    }

    /** Runs the comparison; returns the exit code (1 when the reference produced nothing to compare with). */
    private int run() throws IOException, InterruptedException {
        for (String tool : List.of("gcc", "taskset")) {
            if (!Shell.onPath(tool)) throw new IllegalStateException(tool + " is not on the PATH; the harness needs it");
        }
        Machine machine = HarnessMain.prepare(options.clientCpu);
        ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
        Instant start = Instant.now();
        work = Files.createTempDirectory("jmio-echo");
        try {
            referenceServer = NativeBuild.compile("echo_server", work);
            loadGenerator = new LoadGenerator(
                    List.of("taskset", "-c", String.valueOf(options.clientCpu), NativeBuild.compile("loadgen", work).toString()),
                    ServerProcess.clockTicksPerSecond(), options.lines ? "lines" : null);
            probeJar = work.resolve("allocation-probe.jar");
            AllocationProbe.writeJar(probeJar);

            List<ServerSpec> servers = options.servers == null
                    ? Servers.defaults(options.examplesJar, options.lines)
                    : Servers.select(options.servers, options.examplesJar, options.lines);
            Map<String, String> notRun = new LinkedHashMap<>();
            Results results = measure(servers, notRun);

            Report report = new Report(options, machine, servers, notRun, results, started,
                    Duration.between(start, Instant.now()), Machine.currentLoadAverage());
            writeOutputs(report, machine, servers, results);
            boolean referenceMeasured = results.entries().stream()
                    .anyMatch(e -> e.server().id().equals(Servers.REFERENCE) && e.measurement() != null);
            if (!referenceMeasured) log("the C reference produced no measurement, so there are no ratios");
            return referenceMeasured ? 0 : 1;
        } finally {
            deleteTree(work);
        }
    }

    /** Takes the servers in turn, round after round; records in {@code notRun} why any of them could not run. */
    private Results measure(List<ServerSpec> servers, Map<String, String> notRun) throws IOException, InterruptedException {
        List<ServerSpec> runnable = new ArrayList<>();
        for (ServerSpec server : servers) {
            String why = server.unavailableReason();
            if (why == null) runnable.add(server);
            else notRun.put(server.id(), why);
        }
        notRun.forEach((id, why) -> log("skipping %s: %s", id, why));
        long loadSeconds = runnable.size() * options.scenarios.size() * options.rounds
                * (options.warmupMillis + options.measureMillis) / 1000;
        log("%d server(s) × %d scenario(s) × %d round(s): %d s under load, plus a second or so per start and scenario",
                runnable.size(), options.scenarios.size(), options.rounds, loadSeconds);

        Results results = new Results();
        for (int round = 1; round <= options.rounds; round++) {
            // Rotating the order spreads slow drifts of the machine over all servers.
            List<ServerSpec> order = new ArrayList<>(runnable);
            Collections.rotate(order, -(round - 1));
            for (ServerSpec server : order) {
                String why = runServer(server, round, results);
                if (why != null) {
                    // A server that cannot start (say, an example not written yet) will not start in the
                    // next round either; say so once instead of failing every scenario of every round.
                    runnable.remove(server);
                    notRun.put(server.id(), "did not start in round " + round + ": " + why);
                }
            }
        }
        return results;
    }

    /** Runs every scenario against one fresh start of {@code server}; returns why it did not start, or null. */
    private String runServer(ServerSpec server, int round, Results results)
            throws IOException, InterruptedException {
        ServerProcess process;
        try {
            process = ServerProcess.start(serverCommand(server, HarnessMain.freePort()), server.isJvm(), START_TIMEOUT_MILLIS);
        } catch (ServerProcess.StartFailure e) {
            log("round %d: %s did not start: %s", round, server.id(), e.getMessage());
            return e.getMessage();
        }
        try (process) {
            for (Scenario scenario : options.scenarios) {
                if (!process.isAlive()) {
                    results.fail(round, server, scenario, "the server had died: " + process.recentOutput().replace('\n', ' '));
                    continue;
                }
                try {
                    Measurement m = loadGenerator.run(process, scenario, options.warmupMillis, options.measureMillis, work);
                    results.add(round, server, scenario, m);
                    log("round %d/%d  %-20s %-14s %,10.0f rtt/s  p50 %,6.0f µs  p99 %,6.0f µs  cpu %6.2f µs/rtt  heap %s  (server %3.0f%%, client %3.0f%% busy)",
                            round, options.rounds, server.label(), scenario.label(), m.rttPerSecond(), m.p50Micros(),
                            m.p99Micros(), m.cpuMicrosPerRtt(),
                            Double.isNaN(m.heapBytesPerRtt()) ? "—" : String.format(Locale.ROOT, "%,.0f B/rtt", m.heapBytesPerRtt()),
                            m.serverBusy() * 100, m.clientBusy() * 100);
                } catch (LoadGenerator.RunFailure | IOException e) {
                    log("round %d: %s %s failed: %s", round, server.id(), scenario.id(), e.getMessage());
                    results.fail(round, server, scenario, e.getMessage());
                }
            }
        }
        return null;
    }

    private List<String> serverCommand(ServerSpec server, int port) {
        List<String> command = new ArrayList<>(List.of("taskset", "-c", String.valueOf(options.serverCpu)));
        if (server.isJvm()) {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            // JDK 24+ warns on JNA without it; on 22+ it also lets jmio choose its FFM backend.
            if (Runtime.version().feature() >= 22) command.add("--enable-native-access=ALL-UNNAMED");
            command.addAll(server.jvmArgs());
            command.add("-javaagent:" + probeJar);
            command.add("-cp");
            command.add(server.jar() == null ? System.getProperty("java.class.path") : server.jar().toString());
            command.add(server.mainClass());
            command.addAll(server.args());
        } else {
            command.add(referenceServer.toString());
        }
        command.addAll(List.of("--port", String.valueOf(port)));
        return command;
    }

    private void writeOutputs(Report report, Machine machine, List<ServerSpec> servers, Results results) throws IOException {
        HarnessMain.writeReport(options.out, report.fileStem(), report.markdown(), report.csv());
        String chartLink = null;
        if (options.chart != null) {
            String title = String.format(Locale.ROOT, "Echo round trips/s relative to C (%s, %d CPUs, JDK %s)",
                    report.fileStem().substring("echo-".length(), "echo-".length() + 10), machine.cpus(), Runtime.version().feature());
            RatioChart.write(options.chart, title, servers, options.scenarios, results);
            log("wrote %s", options.chart);
            chartLink = options.readme == null ? null
                    : options.readme.toAbsolutePath().getParent().relativize(options.chart.toAbsolutePath()).toString();
        }
        if (options.readme != null) {
            if (report.updateReadme(options.readme, chartLink)) log("updated the results block of %s", options.readme);
            else log("%s has no %s ... %s block; left it alone", options.readme, Report.README_BEGIN, Report.README_END);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static void log(String format, Object... args) {
        HarnessMain.log(format, args);
    }
}
