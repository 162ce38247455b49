package io.jmio.benchmarks.echo.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The servers the comparison knows, in table order. Adding a server is one line in {@link #all}. */
final class Servers {
    /** The id of the reference every ratio is taken to. */
    static final String REFERENCE = "c";

    private Servers() {}

    /**
     * Rows run only when {@code --servers} names them, so the default run stays under 10 minutes:
     * the prices of a timeout on every read, next to the plain coroutine row.
     */
    static final List<String> ON_REQUEST = List.of("jmio-coroutines-withtimeout", "jmio-coroutines-readtimeout");

    /** The servers of the lines suite besides the reference, in table order. */
    static final List<String> LINE_SERVERS = Runtime.version().feature() >= 22
            ? List.of("jmio-lines", "jmio-lines-ffm", "netty-lines", "ktor-lines")
            : List.of("jmio-lines", "netty-lines", "ktor-lines");

    /** What a run without {@code --servers} measures: every server but those {@link #ON_REQUEST}. */
    static List<ServerSpec> defaults(Path examplesJar, boolean lines) {
        if (lines) return lines();
        List<ServerSpec> servers = all(examplesJar);
        servers.removeIf(s -> ON_REQUEST.contains(s.id()));
        return servers;
    }

    static List<ServerSpec> all(Path examplesJar) {
        String coreMain = "io.jmio.examples.core.CoreEchoServer";
        List<ServerSpec> all = new ArrayList<>();
        all.add(ServerSpec.nativeReference(REFERENCE, "C epoll (reference)"));
        if (Runtime.version().feature() >= 22) {
            // Both native backends side by side; before JDK 22 there is only JNA.
            all.add(ServerSpec.jvm("jmio-core", "jmio core (JNA)", examplesJar, coreMain).withJvmArgs("-Djmio.backend=jna"));
            all.add(ServerSpec.jvm("jmio-core-ffm", "jmio core (FFM)", examplesJar, coreMain).withJvmArgs("-Djmio.backend=ffm"));
        } else {
            all.add(ServerSpec.jvm("jmio-core", "jmio core", examplesJar, coreMain));
        }
        // The benchmarks jar's own coroutine server (the examples CLI had no coroutine echo yet).
        String coroutineMain = "io.jmio.benchmarks.echo.CoroutineEchoServer";
        if (Runtime.version().feature() >= 22) {
            all.add(ServerSpec.jvm("jmio-coroutines", "jmio coroutines (JNA)", null, coroutineMain).withJvmArgs("-Djmio.backend=jna"));
            all.add(ServerSpec.jvm("jmio-coroutines-ffm", "jmio coroutines (FFM)", null, coroutineMain).withJvmArgs("-Djmio.backend=ffm"));
        } else {
            all.add(ServerSpec.jvm("jmio-coroutines", "jmio coroutines", null, coroutineMain));
        }
        // What a timeout on every read costs: compare with the coroutine row on the same backend.
        boolean ffm = Runtime.version().feature() >= 22;
        String backend = ffm ? " (FFM)" : "";
        // withTimeout allocates a timeout scope per read (kotlinx's design). Under Epsilon every fresh heap page
        // faults on first touch, a cost no collected heap pays (in one run: 0.67x C, against 0.87x with the heap
        // pre-touched); G1 recycles its young generation instead, and its work lands in the CPU figure.
        ServerSpec withTimeout = ServerSpec.jvm("jmio-coroutines-withtimeout",
                "jmio coroutines, withTimeout per read" + (ffm ? " (FFM, G1 GC)" : " (G1 GC)"),
                null, coroutineMain, "--with-timeout-ms", "30000");
        ServerSpec readTimeout = ServerSpec.jvm("jmio-coroutines-readtimeout", "jmio coroutines, readTimeout" + backend,
                null, coroutineMain, "--read-timeout-ms", "30000");
        all.add(ffm ? withTimeout.withJvmArgs("-Djmio.backend=ffm", "-XX:-UseEpsilonGC", "-XX:+UseG1GC")
                : withTimeout.withJvmArgs("-XX:-UseEpsilonGC", "-XX:+UseG1GC"));
        all.add(ffm ? readTimeout.withJvmArgs("-Djmio.backend=ffm") : readTimeout);
        all.add(ServerSpec.jvm("nio", "Java NIO Selector", null, "io.jmio.benchmarks.echo.NioEchoServer"));
        all.add(ServerSpec.jvm("netty", "Netty epoll", null, "io.jmio.benchmarks.echo.NettyEchoServer"));
        all.add(ServerSpec.jvm("ktor", "Ktor raw sockets", null, "io.jmio.benchmarks.echo.KtorEchoServerKt"));
        return all;
    }

    /**
     * The lines suite: line echo servers written as each library's users would (see each main class),
     * and the C echo server, which echoes the lines' bytes without looking for their ends: the ceiling.
     */
    static List<ServerSpec> lines() {
        List<ServerSpec> all = new ArrayList<>();
        all.add(ServerSpec.nativeReference(REFERENCE, "C epoll (byte echo, reference)"));
        String jmioMain = "io.jmio.benchmarks.echo.LineEchoServer";
        if (Runtime.version().feature() >= 22) {
            all.add(ServerSpec.jvm("jmio-lines", "jmio StreamReader/Writer (JNA)", null, jmioMain).withJvmArgs("-Djmio.backend=jna"));
            all.add(ServerSpec.jvm("jmio-lines-ffm", "jmio StreamReader/Writer (FFM)", null, jmioMain).withJvmArgs("-Djmio.backend=ffm"));
        } else {
            all.add(ServerSpec.jvm("jmio-lines", "jmio StreamReader/Writer", null, jmioMain));
        }
        all.add(ServerSpec.jvm("netty-lines", "Netty LineBasedFrameDecoder", null, "io.jmio.benchmarks.echo.NettyLineEchoServer"));
        all.add(ServerSpec.jvm("ktor-lines", "Ktor readUTF8Line", null, "io.jmio.benchmarks.echo.KtorLineEchoServerKt"));
        return all;
    }

    /** The servers named by {@code ids}, in table order; the reference is always included. */
    static List<ServerSpec> select(List<String> ids, Path examplesJar, boolean lines) {
        List<ServerSpec> all = lines ? lines() : all(examplesJar);
        for (String id : ids) {
            if (all.stream().noneMatch(s -> s.id().equals(id))) {
                throw new IllegalArgumentException("unknown server '" + id + "'; known: " + all.stream().map(ServerSpec::id).toList());
            }
        }
        List<ServerSpec> chosen = new ArrayList<>();
        for (ServerSpec server : all) {
            if (server.id().equals(REFERENCE) || ids.contains(server.id())) chosen.add(server);
        }
        return chosen;
    }
}
