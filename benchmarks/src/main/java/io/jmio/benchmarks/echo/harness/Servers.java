package io.jmio.benchmarks.echo.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The servers the comparison knows, in table order. Adding a server is one line in {@link #all}. */
final class Servers {
    /** The id of the reference every ratio is taken to. */
    static final String REFERENCE = "c";

    private Servers() {}

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
        // What withTimeout around every read costs: compare with the coroutine row on the same backend.
        boolean ffm = Runtime.version().feature() >= 22;
        ServerSpec timed = ServerSpec.jvm("jmio-coroutines-timeout", "jmio coroutines, withTimeout per read" + (ffm ? " (FFM)" : ""),
                null, coroutineMain, "--read-timeout-ms", "30000");
        all.add(ffm ? timed.withJvmArgs("-Djmio.backend=ffm") : timed);
        all.add(ServerSpec.jvm("nio", "Java NIO Selector", null, "io.jmio.benchmarks.echo.NioEchoServer"));
        all.add(ServerSpec.jvm("netty", "Netty epoll", null, "io.jmio.benchmarks.echo.NettyEchoServer"));
        all.add(ServerSpec.jvm("ktor", "Ktor raw sockets", null, "io.jmio.benchmarks.echo.KtorEchoServerKt"));
        return all;
    }

    /** The servers named by {@code ids}, in table order; the reference is always included. */
    static List<ServerSpec> select(List<String> ids, Path examplesJar) {
        List<ServerSpec> all = all(examplesJar);
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
