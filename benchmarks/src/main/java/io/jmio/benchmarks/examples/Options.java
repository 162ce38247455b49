package io.jmio.benchmarks.examples;

import static io.jmio.benchmarks.harness.HarnessArgs.number;

import io.jmio.benchmarks.harness.HarnessArgs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The harness's command line. A mode sets the defaults; any other option overrides them.
 *
 * <pre>
 *   (default)  kv, http, proxy and proxy-bulk suites, 3 rounds, 2 s warm-up + 3 s window per test; writes the README block
 *   --quick    the same suites and tests, 1 round, 1 s + 1.5 s (wrk: 2 s)            (a rough look, under 2 min)
 *   --smoke    kv (GET, with and without -P 16) and proxy, 1 round, 0.5 s + 1 s       (does it run at all)
 *   --tls      the TLS suites (https, tls-handshakes, tls-echo), 3 rounds, 5 s + 5 s (handshakes: 25 s + 5 s);
 *              writes README's TLS block
 *              (with --quick: 1 s + 1.5 s, no README)
 * </pre>
 */
final class Options {
    static final String USAGE = String.join("\n",
            "usage: run-examples.sh [--quick | --smoke] [--tls] [options]",
            "  --tls                    the TLS suites against Netty's SslHandler: https, tls-handshakes, tls-echo;",
            "                           the default mode writes README's '" + Report.TLS_README.begin() + "' block instead",
            "  --suites kv,http,...     comparisons to run: kv, http, proxy, proxy-bulk, https, tls-handshakes, tls-echo",
            "                           (default: the first four)",
            "  --kv-tests set,get,...   redis-benchmark tests (default: ping_inline,ping_mbulk,set,get,incr)",
            "  --pipelines 1,16         redis-benchmark -P values, each test runs with every one (default 1,16)",
            "  --connections N          client connections, redis-benchmark -c and wrk -c (default 50)",
            "  --rounds N               rounds, contenders taken in turn within each (default 3; quick/smoke 1)",
            "  --warmup-ms N            warm-up before each measured window (default 2000; quick 1000, smoke 500)",
            "  --measure-ms N           measured window per test, rounded up to whole seconds for wrk (default 3000; quick 1500, smoke 1000)",
            "  --out DIR                where examples-<date>.md and .csv go (default benchmarks/results)",
            "  --readme FILE            file whose '" + Report.README.begin() + "' block is replaced with the results",
            "                           (default README.md in the default mode, none otherwise)",
            "  --server-cpu N           CPU every server is pinned to (default 0)",
            "  --client-cpu N           CPU the clients and the harness are pinned to (default 1)");

    static final List<String> DEFAULT_SUITES = List.of("kv", "http", "proxy", "proxy-bulk");
    static final List<String> ALL_SUITES = List.of("kv", "http", "proxy", "proxy-bulk", "https", "tls-handshakes", "tls-echo");

    String mode = "default";
    /** The TLS run: its README block is the TLS one. */
    boolean tls;
    List<String> suites = DEFAULT_SUITES;
    List<String> kvTests = List.of("ping_inline", "ping_mbulk", "set", "get", "incr");
    List<Integer> pipelines = List.of(1, 16);
    int connections = 50;
    int serverCpu = 0;
    int clientCpu = 1;
    int rounds = 3;
    long warmupMillis = 2000;
    long measureMillis = 3000;
    Path out = Path.of("benchmarks/results");
    Path readme = Path.of("README.md");

    static Options parse(String... args) {
        Options o = new Options();
        HarnessArgs.parse(args, USAGE, List.of("--quick", "--smoke", "--tls"), o::mode, (arg, value) -> {
            switch (arg) {
                case "--suites" -> o.suites = names(arg, value, ALL_SUITES);
                case "--kv-tests" -> o.kvTests = names(arg, value, null);
                case "--pipelines" -> o.pipelines = Arrays.stream(value.split(",")).map(p -> number(arg, p, 1)).toList();
                case "--connections" -> o.connections = number(arg, value, 1);
                case "--server-cpu" -> o.serverCpu = number(arg, value, 0);
                case "--client-cpu" -> o.clientCpu = number(arg, value, 0);
                case "--rounds" -> o.rounds = number(arg, value, 1);
                case "--warmup-ms" -> o.warmupMillis = number(arg, value, 0);
                case "--measure-ms" -> o.measureMillis = number(arg, value, 1);
                case "--out" -> o.out = Path.of(value);
                case "--readme" -> o.readme = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        });
        if (o.serverCpu == o.clientCpu) throw new IllegalArgumentException("servers and clients need different CPUs");
        return o;
    }

    /** Both modes are one short round without touching the README; smoke also trims what runs. */
    private void mode(String flag) {
        if (flag.equals("--tls")) {
            tls = true;
            suites = Suites.TLS;
            if (mode.equals("default")) {
                // The JDK's SSLEngine and its EC code take seconds of C2 to reach speed (a 1 s warm-up left
                // Netty at a fifth of its rate): a longer warm-up and window, in under 5 minutes.
                warmupMillis = 5000;
                measureMillis = 5000;
            }
            mode = mode.equals("default") ? "tls" : mode + ", tls";
            return;
        }
        mode = flag.substring(2);
        rounds = 1;
        readme = null;
        if (flag.equals("--quick")) {
            warmupMillis = 1000;
            measureMillis = 1500;
        } else {
            // The http suite's reference is Netty, which the tests' classpath leaves out.
            suites = List.of("kv", "proxy");
            kvTests = List.of("get");
            warmupMillis = 500;
            measureMillis = 1000;
        }
    }

    /** A comma-separated list of names, each one of {@code known} unless that is null. */
    private static List<String> names(String option, String value, List<String> known) {
        List<String> names = List.of(value.split(","));
        for (String name : names) {
            if (name.isBlank() || (known != null && !known.contains(name))) {
                throw new IllegalArgumentException(option + ": unknown '" + name + "'" + (known == null ? "" : "; known: " + known));
            }
        }
        return names;
    }
}
