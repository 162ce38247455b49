package io.jmio.benchmarks.echo.harness;

import io.jmio.benchmarks.harness.ServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives one scenario against a running server with the native load generator (loadgen.c) and turns
 * its report plus the server's samples at the window's edges into a {@link Measurement}. The
 * examples harness drives its TLS echo suite with it too (mode {@code tls}).
 */
public final class LoadGenerator {
    /** What the TLS mode must have negotiated with every server, as loadgen.c reports it. */
    public static final String TLS_NEGOTIATED = "TLSv1.3/TLS_AES_128_GCM_SHA256";

    private final List<String> pinnedCommand;
    private final double clockTicksPerSecond;
    private final String mode;

    /** A scenario that did not produce numbers: the server misbehaved, died, or the generator failed. */
    public static final class RunFailure extends Exception {
        RunFailure(String message) {
            super(message);
        }
    }

    /**
     * @param pinnedCommand       how to start the generator, pinning included, before its own arguments
     * @param clockTicksPerSecond the unit of {@code /proc/<pid>/stat} CPU times (sysconf CLK_TCK)
     * @param mode                loadgen's last argument: null for bytes, {@code lines} (every message
     *                            is a line) or {@code tls} (a binary built with -DLOADGEN_TLS)
     */
    public LoadGenerator(List<String> pinnedCommand, double clockTicksPerSecond, String mode) {
        this.pinnedCommand = List.copyOf(pinnedCommand);
        this.clockTicksPerSecond = clockTicksPerSecond;
        this.mode = mode;
    }

    public Measurement run(ServerProcess server, int connections, int size, long warmupMillis, long measureMillis, Path scratch)
            throws IOException, RunFailure, InterruptedException {
        return run(server, new Scenario(connections, size), warmupMillis, measureMillis, scratch);
    }

    Measurement run(ServerProcess server, Scenario scenario, long warmupMillis, long measureMillis, Path scratch)
            throws IOException, RunFailure, InterruptedException {
        List<String> command = new ArrayList<>(pinnedCommand);
        command.addAll(List.of("127.0.0.1", String.valueOf(server.port()), String.valueOf(scenario.connections()),
                String.valueOf(scenario.size()), String.valueOf(warmupMillis), String.valueOf(measureMillis)));
        if (mode != null) command.add(mode);
        Path errors = Files.createTempFile(scratch, "loadgen", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            // The generator ends by itself after warm-up + window + a bounded drain; connecting to a
            // server that never accepts could still hang it, so a watchdog ends it at a hard limit.
            process.onExit().orTimeout(warmupMillis + measureMillis + 60_000, TimeUnit.MILLISECONDS)
                    .exceptionally(timeout -> {
                        process.destroyForcibly();
                        return process;
                    });
            ServerProcess.Sample start = null;
            ServerProcess.Sample end = null;
            Map<String, String> result = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.equals("window-start")) start = server.sample();
                    else if (line.equals("window-end")) end = server.sample();
                    else if (line.startsWith("result ")) result = fields(line);
                }
            } catch (IOException e) {
                process.destroyForcibly(); // a sample failed: its figures would be meaningless anyway
                throw e;
            } finally {
                process.waitFor();
            }
            if (process.exitValue() != 0 || result == null || start == null || end == null) {
                String stderr = Files.readString(errors).strip();
                String why = stderr.isEmpty() ? "load generator exited with code " + process.exitValue() : stderr;
                throw new RunFailure(server.isAlive() ? why : why + " (the server died: " + server.recentOutput().replace('\n', ' ') + ")");
            }
            if ("tls".equals(mode) && !TLS_NEGOTIATED.equals(result.get("tls"))) {
                throw new RunFailure("negotiated " + result.get("tls") + ", not " + TLS_NEGOTIATED);
            }
            return measurement(result, start, end);
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    private Measurement measurement(Map<String, String> result, ServerProcess.Sample start, ServerProcess.Sample end) {
        double rttPerSecond = Double.parseDouble(result.get("rtt_per_s"));
        // The samples bracket the generator's window to within a few ms; take rates over the samples'
        // own interval so that offset does not bias per-round-trip figures.
        double sampled = (end.nanos() - start.nanos()) / 1e9;
        double serverBusy = (end.cpuTicks() - start.cpuTicks()) / clockTicksPerSecond / sampled;
        double heapPerRtt = start.allocatedBytes() < 0 ? Double.NaN
                : (end.allocatedBytes() - start.allocatedBytes()) / sampled / rttPerSecond;
        return new Measurement(rttPerSecond, Double.parseDouble(result.get("p50_us")),
                Double.parseDouble(result.get("p99_us")), serverBusy / rttPerSecond * 1e6, heapPerRtt,
                serverBusy, Double.parseDouble(result.get("client_cpu")));
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : line.substring("result ".length()).split(" ")) {
            int eq = pair.indexOf('=');
            if (eq > 0) fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return fields;
    }
}
