package io.jmio.benchmarks.echo.harness;

import io.jmio.benchmarks.harness.HarnessArgs;
import java.nio.file.Path;
import java.util.List;

/**
 * The harness's command line. A mode sets the defaults; any other option overrides them.
 *
 * <pre>
 *   (default)  all servers, 4 scenarios, 3 rounds, 2 s warm-up + 3 s window; writes the chart and README block
 *   --quick    all servers, 4 scenarios, 1 round, 1 s + 1.5 s                 (a rough look)
 *   --smoke    c and nio, 50x64 only, 1 round, 2 s + 1 s                     (does it run at all)
 *   --lines    the line echo suite: c and the line servers, 50x64 lines; combines with --quick or --smoke
 * </pre>
 */
final class Options {
    static final String USAGE = String.join("\n",
            "usage: run-echo.sh [--quick | --smoke] [--lines] [options]",
            "  --lines                 the line echo suite: every message is a line (SIZE - 1 printable bytes and",
            "                          '\\n'), echoed by line servers (readLine/writeString and the like): by default",
            "                          " + String.join(", ", Servers.LINE_SERVERS) + "; 50x64; no chart, no README block",
            "  --servers c,nio,...     servers to run (default: all but jmio-coroutines-withtimeout and",
            "                          jmio-coroutines-readtimeout; c, the reference, always runs)",
            "  --scenarios 1x64,...    connections x message size, k = KiB (default: 1x64,50x64,50x16k,1000x64)",
            "  --rounds N              rounds, servers taken in turn within each (default 3; quick/smoke 1)",
            "  --warmup-ms N           warm-up before each measured window (default 2000; quick 1000, smoke 2000)",
            "  --measure-ms N          measured window per scenario (default 3000; quick 1500, smoke 1000)",
            "  --out DIR               where echo-<date>.md and .csv go (default benchmarks/results)",
            "  --chart FILE            chart PNG (default docs/echo-ratios.png in the default mode, none otherwise)",
            "  --readme FILE           file whose '" + Report.README_BEGIN + "' block is replaced with the results",
            "                          (default README.md in the default mode, none otherwise)",
            "  --examples-jar FILE     jar holding the jmio servers (default examples/target/jmio-examples.jar)",
            "  --server-cpu N          CPU the server is pinned to (default 0)",
            "  --client-cpu N          CPU the load generator and the harness are pinned to (default 1)");

    static final List<String> ALL_SCENARIOS = List.of("1x64", "50x64", "50x16k", "1000x64");

    String mode = "default";
    /** The lines suite: the load generator sends lines, and the servers are the line servers. */
    boolean lines;
    List<String> servers;
    List<Scenario> scenarios = parseScenarios(ALL_SCENARIOS);
    int rounds = 3;
    long warmupMillis = 2000;
    long measureMillis = 3000;
    Path out = Path.of("benchmarks/results");
    Path chart = Path.of("docs/echo-ratios.png");
    Path readme = Path.of("README.md");
    Path examplesJar = Path.of("examples/target/jmio-examples.jar");
    int serverCpu = 0;
    int clientCpu = 1;

    static Options parse(String... args) {
        Options o = new Options();
        // --lines comes last, so it can take the smoke run's servers from the line servers.
        HarnessArgs.parse(args, USAGE, List.of("--quick", "--smoke", "--lines"), mode -> {
            if (mode.equals("--quick")) o.quick();
            else if (mode.equals("--smoke")) o.smoke();
            else o.lines();
        }, (arg, value) -> {
            switch (arg) {
                case "--servers" -> o.servers = List.of(value.split(","));
                case "--scenarios" -> o.scenarios = parseScenarios(List.of(value.split(",")));
                case "--rounds" -> o.rounds = HarnessArgs.number(arg, value, 1);
                case "--warmup-ms" -> o.warmupMillis = HarnessArgs.number(arg, value, 0);
                case "--measure-ms" -> o.measureMillis = HarnessArgs.number(arg, value, 1);
                case "--out" -> o.out = Path.of(value);
                case "--chart" -> o.chart = Path.of(value);
                case "--readme" -> o.readme = Path.of(value);
                case "--examples-jar" -> o.examplesJar = Path.of(value);
                case "--server-cpu" -> o.serverCpu = HarnessArgs.number(arg, value, 0);
                case "--client-cpu" -> o.clientCpu = HarnessArgs.number(arg, value, 0);
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        });
        if (o.lines && o.scenarios.stream().anyMatch(s -> s.size() < 2)) {
            throw new IllegalArgumentException("a line needs at least 2 bytes (one and its '\\n')");
        }
        if (o.serverCpu == o.clientCpu) throw new IllegalArgumentException("server and load generator need different CPUs");
        return o;
    }

    private void quick() {
        mode = "quick";
        rounds = 1;
        warmupMillis = 1000;
        measureMillis = 1500;
        chart = null;
        readme = null;
    }

    private void smoke() {
        mode = "smoke";
        servers = List.of("nio");
        scenarios = parseScenarios(List.of("50x64"));
        rounds = 1;
        warmupMillis = 2000; // a JVM's first connections on a busy CPU can stall a second
        measureMillis = 1000;
        chart = null;
        readme = null;
    }

    private void lines() {
        lines = true;
        // The smoke run checks the suite runs, on the harness's own classpath, which holds jmio but not the peers.
        servers = mode.equals("smoke") ? List.of("jmio-lines") : null;
        mode = mode.equals("default") ? "lines" : "lines, " + mode;
        scenarios = parseScenarios(List.of("50x64"));
        chart = null;
        readme = null;
    }

    private static List<Scenario> parseScenarios(List<String> ids) {
        return ids.stream().map(Scenario::parse).toList();
    }
}
