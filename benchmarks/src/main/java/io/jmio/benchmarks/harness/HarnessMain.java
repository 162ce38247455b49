package io.jmio.benchmarks.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What every comparison harness does around its own work: exit codes, pinning itself, ports, logging. */
public final class HarnessMain {
    private HarnessMain() {}

    /** A harness built from its parsed options; returns the process exit code. */
    public interface Run<O> {
        int run(O options) throws Exception;
    }

    /** A command-line parser that reports bad input (and {@code --help}) as IllegalArgumentException. */
    public interface Parser<O> {
        O parse(String[] args);
    }

    /**
     * Parses {@code args} and runs the harness, then exits: with its code, 2 (after the message) for a
     * command line it cannot run, 1 (after the stack trace) when it throws.
     */
    public static <O> void main(String name, String[] args, Parser<O> parser, Run<O> harness) {
        O options;
        try {
            options = parser.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            System.exit(harness.run(options));
        } catch (Exception e) {
            System.err.println(name + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /**
     * Pins this JVM's threads (output readers, samplers; children inherit it) to {@code cpu}, away from
     * the servers', makes sure no server outlives the harness, and describes the machine, warning when
     * other work already keeps it busy.
     */
    public static Machine prepare(int cpu) throws IOException, InterruptedException {
        Shell.run(List.of("taskset", "-a", "-p", "-c", String.valueOf(cpu), String.valueOf(ProcessHandle.current().pid())));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly)));
        Machine machine = Machine.describe();
        if (machine.loadAverage() > 0.5) {
            log("load average is %.2f: other work shares these CPUs, so expect noisy figures", machine.loadAverage());
        }
        return machine;
    }

    /** A loopback port free right now, for a server that must be told its port. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Writes {@code <stem>.md} and {@code <stem>.csv} to {@code out} and prints the markdown report to stdout. */
    public static void writeReport(Path out, String stem, String markdown, String csv) throws IOException {
        Files.createDirectories(out);
        Path md = out.resolve(stem + ".md");
        Path data = out.resolve(stem + ".csv");
        Files.writeString(md, markdown);
        Files.writeString(data, csv);
        System.out.println(markdown);
        log("wrote %s and %s", md, data);
    }

    /** Progress and warnings go to stderr; stdout carries only the report. */
    public static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }
}
