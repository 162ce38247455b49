package io.jmio.benchmarks.examples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code wrk -t1 -c<connections> --latency} on {@code GET /}, over HTTP or HTTPS, keeping connections
 * alive or, with {@code Connection: close} on every request, opening (and for HTTPS handshaking) a
 * new connection per request. A run with any socket error or any non-2xx/3xx response fails: a
 * server that drops or refuses requests must not look fast.
 */
final class Wrk implements Workload {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern P50 = Pattern.compile("\\s50%\\s+([\\d.]+)(us|ms|s|m)\\b");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([\\d.]+)(us|ms|s|m)\\b");
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private final PinnedClient client;
    private final int connections;
    private final boolean https;
    private final boolean close;

    Wrk(PinnedClient client, int connections) {
        this(client, connections, false, false);
    }

    /** With {@code https}, over TLS; with {@code close}, a new connection for every request. */
    Wrk(PinnedClient client, int connections, boolean https, boolean close) {
        this.client = client;
        this.connections = connections;
        this.https = https;
        this.close = close;
    }

    @Override
    public String id() {
        return "wrk-c" + connections + (https ? "-https" : "") + (close ? "-close" : "");
    }

    @Override
    public String label() {
        String scheme = https ? "GET https://…/" : "GET /";
        return close ? scheme + " with Connection: close, a new connection per request (wrk -c " + connections + ")"
                : scheme + " (wrk -c " + connections + ")";
    }

    /**
     * A handshake per request runs the JDK's key exchange and signature code, which C2 is still
     * compiling after the other workloads' warm-up: after 5 s, 35-53% of the server's CPU was the
     * compiler's (perf), and the figures measured the JIT. That workload warms up five times as long.
     */
    static final int HANDSHAKE_WARMUP_FACTOR = 5;

    @Override
    public double warmUp(int port, long millis) throws IOException, InterruptedException, ClientFailure {
        if (https && close) millis *= HANDSHAKE_WARMUP_FACTOR;
        return millis == 0 ? Double.NaN : run(port, millis).perSecond();
    }

    @Override
    public ClientResult measure(int port, long millis, double warmRate) throws IOException, InterruptedException, ClientFailure {
        return run(port, millis);
    }

    /** wrk takes whole seconds: the window is {@code millis} rounded up to one. */
    private ClientResult run(int port, long millis) throws IOException, InterruptedException, ClientFailure {
        long seconds = Math.max(1, (millis + 999) / 1000);
        List<String> command = new ArrayList<>(List.of("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency"));
        if (close) command.addAll(List.of("-H", "Connection: close"));
        command.add((https ? "https" : "http") + "://127.0.0.1:" + port + "/");
        String out = client.run(command, seconds * 1000 + 30_000).stdout();
        Matcher errors = SOCKET_ERRORS.matcher(out);
        if (errors.find() && !(errors.group(1) + errors.group(2) + errors.group(3) + errors.group(4)).matches("0+")) {
            throw new ClientFailure("wrk saw socket errors: " + errors.group());
        }
        Matcher non2xx = NON_2XX.matcher(out);
        if (non2xx.find()) throw new ClientFailure("wrk got " + non2xx.group(1) + " responses that were not 2xx or 3xx");
        return new ClientResult(Long.parseLong(find(REQUESTS, out).group(1)), Double.parseDouble(find(RATE, out).group(1)),
                micros(find(P50, out)), micros(find(P99, out)));
    }

    private static Matcher find(Pattern pattern, String out) throws ClientFailure {
        Matcher m = pattern.matcher(out);
        if (!m.find()) throw new ClientFailure("wrk output has no '" + pattern.pattern() + "': " + out.strip().replace('\n', ' '));
        return m;
    }

    private static double micros(Matcher m) {
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value;
            case "ms" -> value * 1e3;
            case "s" -> value * 1e6;
            default -> value * 60e6; // "m": minutes
        };
    }
}
