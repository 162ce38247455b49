package io.jmio.benchmarks.examples;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * One redis-benchmark test ({@code -t ping_inline}, {@code set}, ...) with {@code connections} clients,
 * {@code pipeline} requests in flight per client. redis-benchmark runs a request count, not a duration,
 * so the warm-up also calibrates: it repeats runs sized from the last rate until its time is used, and
 * the measured run gets the request count that rate needs for the window.
 */
final class RedisBenchmark implements Workload {
    /** Keeps even the first calibration run short on a slow server, long enough for a rate on a fast one. */
    private static final long FIRST_REQUESTS = 5_000;

    private final PinnedClient client;
    private final String test;
    private final int connections;
    private final int pipeline;

    RedisBenchmark(PinnedClient client, String test, int connections, int pipeline) {
        this.client = client;
        this.test = test.toLowerCase(Locale.ROOT);
        this.connections = connections;
        this.pipeline = pipeline;
    }

    @Override
    public String id() {
        return test + "-P" + pipeline;
    }

    @Override
    public String label() {
        return test.toUpperCase(Locale.ROOT) + (pipeline == 1 ? "" : " -P " + pipeline);
    }

    @Override
    public double warmUp(int port, long millis) throws IOException, InterruptedException, ClientFailure {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long requests = FIRST_REQUESTS * pipeline;
        double rate;
        do {
            rate = run(port, requests).perSecond();
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            requests = Math.max(FIRST_REQUESTS, (long) (rate * Math.min(leftMillis, 1000) / 1000));
        } while (System.nanoTime() < deadline);
        return rate;
    }

    @Override
    public ClientResult measure(int port, long millis, double warmRate) throws IOException, InterruptedException, ClientFailure {
        return run(port, Math.max(FIRST_REQUESTS, (long) (warmRate * millis / 1000)));
    }

    private ClientResult run(int port, long requests) throws IOException, InterruptedException, ClientFailure {
        // redis-benchmark (6.2+) exits with status 1 at the first error reply; PinnedClient fails on that.
        PinnedClient.Output output = client.run(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-c", String.valueOf(connections), "-n", String.valueOf(requests), "-P", String.valueOf(pipeline),
                "-t", test, "--csv"), 120_000);
        if (!output.stderr().isBlank()) {
            throw new ClientFailure("redis-benchmark " + label() + " reported: " + output.stderr().strip().replace('\n', ' '));
        }
        return parse(output.stdout(), requests);
    }

    /** Reads the test's row of {@code --csv} output: "test","rps","avg_latency_ms","min…","p50…","p95…","p99…","max…". */
    private ClientResult parse(String csv, long requests) throws ClientFailure {
        for (String line : csv.split("\n")) {
            String[] fields = line.strip().replace("\"", "").split(",");
            if (fields.length >= 7 && fields[0].equalsIgnoreCase(test)) {
                try {
                    return new ClientResult(requests, Double.parseDouble(fields[1]),
                            Double.parseDouble(fields[4]) * 1000, Double.parseDouble(fields[6]) * 1000);
                } catch (NumberFormatException e) {
                    throw new ClientFailure("redis-benchmark printed an unreadable row: " + line);
                }
            }
        }
        throw new ClientFailure("redis-benchmark printed no row for " + test + ": " + csv.strip().replace('\n', ' '));
    }
}
