package io.jmio.benchmarks.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running server of a comparison: started from a full command line (pinning included), ready once it
 * printed its {@code listening on} line (or the line a foreign server such as redis-server prints when
 * ready), sampled for CPU time from {@code /proc/<pid>/stat} and, for JVM servers, for allocated bytes
 * through {@link AllocationProbe}.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*:(\\d+)");

    private final Process process;
    private final boolean probed;
    private final Pattern ready;
    /** The port the command was given, or -1 when the ready line names it (group 1 of {@link #ready}). */
    private final int knownPort;
    private final CompletableFuture<Integer> listening = new CompletableFuture<>();
    private final BlockingQueue<Long> allocReplies = new ArrayBlockingQueue<>(16);
    private final Deque<String> recentOutput = new ArrayDeque<>();

    /** What a server reported at one instant of the run. */
    public record Sample(long nanos, long cpuTicks, long allocatedBytes) {}

    /** The server could not be brought up: missing, crashed or silent. */
    public static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message);
        }
    }

    private ServerProcess(Process process, boolean probed, Pattern ready, int knownPort) {
        this.process = process;
        this.probed = probed;
        this.ready = ready;
        this.knownPort = knownPort;
        Thread reader = new Thread(this::readOutput, "server-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code command} and waits up to {@code timeoutMillis} for its listening line.
     *
     * @param probed whether the command loads {@link AllocationProbe}
     * @return the process, ready for connections on {@link #port()}
     */
    public static ServerProcess start(List<String> command, boolean probed, long timeoutMillis) throws IOException, StartFailure {
        return start(command, probed, LISTENING, -1, timeoutMillis);
    }

    /**
     * Starts a server that does not print a {@code listening on} line (redis-server): {@code command}
     * already tells it to listen on {@code port}; it is ready once a line matches {@code readyLine}.
     */
    public static ServerProcess startOnPort(List<String> command, int port, Pattern readyLine, long timeoutMillis)
            throws IOException, StartFailure {
        return startOnPort(command, port, readyLine, false, timeoutMillis);
    }

    /** {@link #startOnPort(List, int, Pattern, long)} for a command that may load {@link AllocationProbe} ({@code probed}). */
    public static ServerProcess startOnPort(List<String> command, int port, Pattern readyLine, boolean probed, long timeoutMillis)
            throws IOException, StartFailure {
        return start(command, probed, readyLine, port, timeoutMillis);
    }

    private static ServerProcess start(List<String> command, boolean probed, Pattern ready, int knownPort, long timeoutMillis)
            throws IOException, StartFailure {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ServerProcess server = new ServerProcess(process, probed, ready, knownPort);
        try {
            server.listening.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return server;
        } catch (ExecutionException | TimeoutException e) {
            server.close();
            String why = e instanceof TimeoutException
                    ? "printed no line matching '" + ready.pattern() + "' within " + timeoutMillis + " ms"
                    : process.isAlive() ? "closed its output before listening"
                    : "exited before listening (exit code " + process.exitValue() + ")";
            throw new StartFailure(why + lastLines(server.recentOutput()));
        } catch (InterruptedException e) {
            server.close();
            Thread.currentThread().interrupt();
            throw new StartFailure("interrupted while waiting for the server");
        }
    }

    private static String lastLines(String output) {
        return output.isEmpty() ? "" : "; last output: " + output.replace('\n', ' ').strip();
    }

    public int port() {
        return listening.join();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Reads the server's CPU time and, when probed, its allocated bytes (-1 otherwise). */
    public Sample sample() throws IOException {
        long nanos = System.nanoTime();
        long ticks = cpuTicks();
        return new Sample(nanos, ticks, probed ? allocatedBytes() : -1);
    }

    /** The unit of {@link Sample#cpuTicks()}: clock ticks per second (sysconf CLK_TCK, usually 100). */
    public static double clockTicksPerSecond() throws IOException, InterruptedException {
        return Double.parseDouble(Shell.run(List.of("getconf", "CLK_TCK")).strip());
    }

    /** utime + stime of the whole process (all threads), in clock ticks. */
    private long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
        // The command name in field 2 may contain spaces; fields after it are space-separated.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of proc(5)
    }

    private long allocatedBytes() throws IOException {
        allocReplies.clear();
        OutputStream stdin = process.getOutputStream();
        stdin.write("alloc\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        try {
            Long bytes = allocReplies.poll(5, TimeUnit.SECONDS);
            if (bytes == null) throw new IOException("the allocation probe did not answer within 5 s");
            if (bytes < 0) throw new IOException("this JVM does not count allocated bytes per thread");
            return bytes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the allocation probe");
        }
    }

    private void readOutput() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(AllocationProbe.REPLY)) {
                    allocReplies.offer(Long.parseLong(line.substring(AllocationProbe.REPLY.length()).trim()));
                    continue;
                }
                Matcher m = ready.matcher(line);
                if (!listening.isDone() && m.find()) listening.complete(knownPort >= 0 ? knownPort : Integer.parseInt(m.group(1)));
                synchronized (recentOutput) {
                    recentOutput.addLast(line);
                    if (recentOutput.size() > 10) recentOutput.removeFirst();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the stream closes when the process ends; nothing left to read
        } finally {
            listening.completeExceptionally(new IllegalStateException("server output ended"));
        }
    }

    /** The server's last few lines of output, for error messages. */
    public String recentOutput() {
        synchronized (recentOutput) {
            return String.join("\n", recentOutput);
        }
    }

    /** Stops the server: SIGTERM, then SIGKILL if it is still there after 5 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
