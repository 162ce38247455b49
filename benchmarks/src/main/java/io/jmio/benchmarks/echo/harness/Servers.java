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
        return List.of(
                ServerSpec.nativeReference(REFERENCE, "C epoll (reference)"),
                ServerSpec.jvm("jmio-core", "jmio core", examplesJar, "io.jmio.examples.core.CoreEchoServer"),
                ServerSpec.jvm("jmio-coroutines", "jmio coroutines", examplesJar, "io.jmio.examples.Main", "echo", "--api", "coroutines"),
                ServerSpec.jvm("nio", "Java NIO Selector", null, "io.jmio.benchmarks.echo.NioEchoServer"),
                ServerSpec.jvm("netty", "Netty epoll", null, "io.jmio.benchmarks.echo.NettyEchoServer"),
                ServerSpec.jvm("ktor", "Ktor raw sockets", null, "io.jmio.benchmarks.echo.KtorEchoServerKt"));
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
