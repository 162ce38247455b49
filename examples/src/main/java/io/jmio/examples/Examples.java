package io.jmio.examples;

import static io.jmio.examples.cli.Option.choice;
import static io.jmio.examples.cli.Option.host;
import static io.jmio.examples.cli.Option.integer;
import static io.jmio.examples.cli.Option.port;
import static io.jmio.examples.cli.Option.requiredHostPort;
import static io.jmio.examples.cli.Option.threads;

import io.jmio.examples.chat.ChatRoom;
import io.jmio.examples.chat.ChatServer;
import io.jmio.examples.cli.Example;
import io.jmio.examples.cli.Option;
import io.jmio.examples.cli.Options;
import io.jmio.examples.cli.TlsOptions;
import io.jmio.examples.cli.UsageException;
import io.jmio.examples.core.ReadinessDemo;
import io.jmio.examples.demo.Demo;
import io.jmio.examples.echo.EchoServers;
import io.jmio.examples.http.CoreHttpServer;
import io.jmio.examples.http.CoroutineHttpServer;
import io.jmio.examples.http.HttpDate;
import io.jmio.examples.kv.KvServer;
import io.jmio.examples.kv.KvSession;
import io.jmio.examples.kv.Store;
import io.jmio.examples.proxy.TcpProxy;
import io.jmio.examples.server.RunningServer;
import io.jmio.examples.server.Serve;
import io.jmio.examples.udp.UdpEchoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/** The examples the CLI runs, in the order its usage lists them. */
final class Examples {
    static final List<Example> ALL = List.of(
            new Example("demo", "an echo server and clients in one process for five seconds: round trips/s and latency",
                    List.of(threads(), integer("connections", "N", "client connections", 50, 1, 10_000),
                            integer("seconds", "N", "how long to run", 5, 1, 3600),
                            integer("size", "BYTES", "message size", 64, 1, 1 << 20)),
                    Examples::demo),
            new Example("echo", "echo server: sends every byte back",
                    withTls(host(), port(7000), threads(), choice("api", "which API it is written with",
                            EchoServers.APIS.toArray(new String[0]))),
                    Examples::echo),
            new Example("chat", "line-based chat room: /nick NAME, /who, /quit; slow clients are dropped",
                    List.of(host(), port(7001), threads(),
                            integer("backlog", "LINES", "lines queued for a client before it counts as too slow",
                                    ChatRoom.DEFAULT_OUTBOX_CAPACITY, 1, 1_000_000)),
                    options -> Serve.untilSignalled(ChatServer.INSTANCE.start(options.address(), options.threads(),
                            new ChatRoom(options.integer("backlog"))))),
            new Example("proxy", "TCP proxy to --upstream, with half-close, backpressure and byte counts",
                    List.of(host(), port(7002), threads(), requiredHostPort("upstream", "where to forward connections"),
                            integer("connect-timeout", "MS", "upstream connect timeout", 5_000, 1, 3_600_000),
                            choice("forward", "how bytes move: splice (bulk through kernel pipes, zero-copy) or copy (always a buffer)",
                                    "splice", "copy")),
                    options -> Serve.untilSignalled(new TcpProxy(options.hostPort("upstream"),
                            options.longValue("connect-timeout"), options.string("forward").equals("splice"), System.err)
                            .start(options.address(), options.threads()))),
            new Example("http", "HTTP/1.1 server: GET / answers Hello, World!",
                    withTls(host(), port(8080), threads(), choice("api", "which API it is written with", "coroutines", "core"),
                            integer("idle-timeout", "MS", "close connections idle this long", 30_000, 1, 3_600_000)),
                    Examples::http),
            new Example("kv", "in-memory key-value server speaking RESP2 (redis-cli, redis-benchmark)",
                    List.of(host(), port(6380), threads(), integer("max-bulk", "BYTES", "largest value or argument",
                            KvSession.DEFAULT_MAX_BULK, 1, KvSession.MAX_BULK_LIMIT)),
                    options -> Serve.untilSignalled(new KvServer(new Store(), options.longValue("max-bulk"))
                            .start(options.address(), options.threads()))),
            new Example("udp-echo", "UDP echo server: sends each datagram back to its sender",
                    List.of(host(), port(7003), threads()),
                    options -> Serve.untilSignalled(UdpEchoServer.start(options.address(), options.threads()))),
            new Example("readiness", "the readiness core in one screen: a Poll loop woken by another thread",
                    List.of(integer("messages", "N", "messages to send through the loop", 5, 1, 1_000_000)),
                    options -> {
                        ReadinessDemo.run(options.integer("messages"), System.out);
                        return 0;
                    }));

    /** The options of any example that take no value, for {@link io.jmio.examples.cli.CommandLine#split}. */
    static final Set<String> FLAGS = ALL.stream().flatMap(example -> example.options.stream())
            .filter(Option::isFlag).map(Option::name).collect(Collectors.toUnmodifiableSet());

    private Examples() {}

    /** {@code options}, then {@code --tls}, {@code --cert} and {@code --key}. */
    private static List<Option> withTls(Option... options) {
        List<Option> all = new ArrayList<>(List.of(options));
        all.addAll(TlsOptions.options());
        return all;
    }

    static Example find(String name) {
        return ALL.stream().filter(example -> example.name.equals(name)).findFirst().orElse(null);
    }

    private static int demo(Options options) {
        new Demo(options.threads(), options.integer("connections"), options.integer("seconds"), options.integer("size"))
                .run(System.out);
        return 0;
    }

    private static int echo(Options options) throws Exception {
        SSLContext tls = TlsOptions.context(options, options.string("api"), System.err);
        RunningServer server;
        try {
            server = EchoServers.start(options.string("api"), options.address(), options.threads(), tls);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return Serve.untilSignalled(server);
    }

    private static int http(Options options) throws Exception {
        long idleMillis = options.longValue("idle-timeout");
        SSLContext tls = TlsOptions.context(options, options.string("api"), System.err);
        RunningServer server = options.string("api").equals("core")
                ? CoreHttpServer.start(options.address(), options.threads(), idleMillis)
                : new CoroutineHttpServer(idleMillis, new HttpDate()).start(options.address(), options.threads(), tls);
        return Serve.untilSignalled(server);
    }
}
