package io.jmio.benchmarks.examples;

import io.jmio.benchmarks.echo.harness.LoadGenerator;
import io.jmio.benchmarks.harness.HarnessMain;
import io.jmio.benchmarks.harness.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Echo ping-pong from the echo harness's native load generator (loadgen.c, here in its TLS mode):
 * {@code connections} connections each sending {@code size} bytes and waiting for their echo. The
 * generator warms up on its own connections and marks its window, so the harness takes the server's
 * CPU and allocation samples from it ({@link #measure(ServerProcess, long)}), not around the call.
 * A request here is one round trip.
 */
final class EchoLoad implements Workload {
    private final LoadGenerator generator;
    private final int connections;
    private final int size;
    private final long warmupMillis;
    private final Path scratch;

    EchoLoad(LoadGenerator generator, int connections, int size, long warmupMillis, Path scratch) {
        this.generator = generator;
        this.connections = connections;
        this.size = size;
        this.warmupMillis = warmupMillis;
        this.scratch = scratch;
    }

    @Override
    public String id() {
        return "echo-" + connections + "x" + size;
    }

    @Override
    public String label() {
        return String.format(Locale.ROOT, "echo %d × %d B (round trips)", connections, size);
    }

    /** Nothing here: the generator's own run begins with the warm-up. */
    @Override
    public double warmUp(int port, long millis) {
        return Double.NaN;
    }

    @Override
    public ClientResult measure(int port, long millis, double warmRate) {
        throw new UnsupportedOperationException("the generator samples the server itself: use measure(server, millis)");
    }

    /** Warms up, then measures {@code server} over the generator's window of {@code millis}. */
    Measurement measure(ServerProcess server, long millis) throws IOException, InterruptedException, ClientFailure {
        try {
            io.jmio.benchmarks.echo.harness.Measurement m = generator.run(server, connections, size, warmupMillis, millis, scratch);
            ClientResult client = new ClientResult(Math.round(m.rttPerSecond() * millis / 1000.0), m.rttPerSecond(),
                    m.p50Micros(), m.p99Micros());
            HarnessMain.log("  load generator %.0f%% busy (near 100%%, it and not the server may be the limit)", m.clientBusy() * 100);
            return new Measurement(client, m.cpuMicrosPerRtt(), m.serverBusy(), m.heapBytesPerRtt());
        } catch (LoadGenerator.RunFailure e) {
            throw new ClientFailure(e.getMessage());
        }
    }
}
