package io.jmio.benchmarks.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a load client (redis-benchmark, wrk) pinned to the client CPU, to completion or a hard time limit. */
final class PinnedClient {
    private final int cpu;
    private final Path scratch;

    /** What the client printed, once it exited with status 0. */
    record Output(String stdout, String stderr) {}

    PinnedClient(int cpu, Path scratch) {
        this.cpu = cpu;
        this.scratch = scratch;
    }

    /** Runs {@code command}; a client still running after {@code timeoutMillis} is killed and reported as hung. */
    Output run(List<String> command, long timeoutMillis) throws IOException, InterruptedException, ClientFailure {
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", String.valueOf(cpu)));
        pinned.addAll(command);
        // Files, not pipes: a client blocked on a full pipe would stall the run it is measuring.
        Path out = Files.createTempFile(scratch, command.get(0), ".out");
        Path err = Files.createTempFile(scratch, command.get(0), ".err");
        try {
            Process process = new ProcessBuilder(pinned).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                throw new ClientFailure(command.get(0) + " did not finish within " + timeoutMillis + " ms");
            }
            Output output = new Output(Files.readString(out), Files.readString(err));
            if (process.exitValue() != 0) {
                throw new ClientFailure(command.get(0) + " exited with status " + process.exitValue() + ": "
                        + (output.stderr() + output.stdout()).strip().replace('\n', ' '));
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
