package io.jmio.benchmarks.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How to start one server process of the comparison, pinned to a CPU, with {@code --port N} appended.
 * JVM servers run a main class on this harness's own classpath, which holds the examples (the
 * benchmarks jar shades them in) and the benchmarks' Netty server; native ones run a program.
 *
 * @param mainClass the JVM server's main class; null for a native program
 * @param jvmArgs   JVM options of a JVM server, such as {@code -Djdk.tls.server.protocols=TLSv1.3}
 * @param args      the native program and its arguments, or the main class's arguments, before the port
 * @param readyLine what the server prints once it accepts connections
 */
record Launch(String mainClass, List<String> jvmArgs, List<String> args, Pattern readyLine) {
    /** What every jmio example and benchmark server prints when ready, followed by the address it was given. */
    static final Pattern LISTENING = Pattern.compile("listening on ");

    static Launch jvm(String mainClass, String... args) {
        return new Launch(mainClass, List.of(), List.of(args), LISTENING);
    }

    /** This JVM server with {@code options} added to its JVM options. */
    Launch withJvmArgs(List<String> options) {
        List<String> all = new ArrayList<>(jvmArgs);
        all.addAll(options);
        return new Launch(mainClass, List.copyOf(all), args, readyLine);
    }

    /** redis-server as the issue specifies it: persistence off (no RDB snapshots, no AOF), default single I/O thread. */
    static Launch redisServer() {
        return new Launch(null, List.of(), List.of("redis-server", "--save", "", "--appendonly", "no", "--io-threads", "1"),
                Pattern.compile("Ready to accept connections"));
    }

    /**
     * haproxy as proxy users run it: {@code mode tcp}, one thread, Debian's defaults otherwise (no
     * splicing). A shell writes its configuration from the {@code --upstream} and {@code --port} the
     * harness appends, prints the ready line once the port accepts, and execs haproxy, so the
     * process the harness samples for CPU is haproxy itself.
     */
    static Launch haproxy() {
        String script = String.join("\n",
                "while [ $# -gt 0 ]; do case $1 in --upstream) up=$2; shift 2;; --port) port=$2; shift 2;; *) shift;; esac; done",
                "cfg=$(mktemp --suffix=.cfg)",
                "printf '%s\\n' global '  nbthread 1' '  maxconn 4096' defaults '  mode tcp' '  timeout connect 5s' \\",
                "  '  timeout client 60s' '  timeout server 60s' 'listen proxy' \"  bind 127.0.0.1:$port\" \"  server up $up\" > \"$cfg\"",
                "(until (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do sleep 0.05; done; rm -f \"$cfg\"; echo \"haproxy listening on 127.0.0.1:$port\") &",
                "exec haproxy -db -f \"$cfg\"");
        return new Launch(null, List.of(), List.of("bash", "-c", script, "haproxy"), LISTENING);
    }

    boolean isJvm() {
        return mainClass != null;
    }

    /**
     * The full command line: pinned to {@code cpu}, then {@code extraArgs} and the port after the
     * server's own arguments; a JVM server loads the allocation probe agent {@code probeJar}.
     */
    List<String> command(int cpu, List<String> extraArgs, int port, Path probeJar) {
        List<String> command = new ArrayList<>(List.of("taskset", "-c", String.valueOf(cpu)));
        if (isJvm()) {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // JDK 24+ warns on JNA without it; on 22+ it also lets jmio choose its FFM backend.
            if (Runtime.version().feature() >= 22) command.add("--enable-native-access=ALL-UNNAMED");
            command.addAll(jvmArgs);
            command.add("-javaagent:" + probeJar);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        }
        command.addAll(args);
        command.addAll(extraArgs);
        command.addAll(List.of("--port", String.valueOf(port)));
        return command;
    }
}
