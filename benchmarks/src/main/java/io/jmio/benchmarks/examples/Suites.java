package io.jmio.benchmarks.examples;

import java.util.ArrayList;
import java.util.List;

/** The comparisons the harness knows (issue 8's targets), reference first. Adding a contender is one line. */
final class Suites {
    private static final String EXAMPLES = "io.jmio.examples.Main";
    /** One event loop thread for every server, as redis-server has one. */
    private static final String[] ONE_THREAD = {"--threads", "1"};

    /** The suites whose servers speak TLS, all with one {@link TlsKey} per run. */
    static final List<String> TLS = List.of("https", "tls-handshakes", "tls-echo");

    private Suites() {}

    /**
     * @param tls     the key and certificate of the TLS suites; null when none is selected
     * @param tlsEcho the load generator in its TLS mode, for the tls-echo suite; null when it is not selected
     */
    static List<Suite> selected(Options options, PinnedClient client, TlsKey tls, EchoLoad tlsEcho) {
        List<Suite> suites = new ArrayList<>();
        for (String id : options.suites) {
            suites.add(switch (id) {
                case "kv" -> kv(options, client);
                case "http" -> http(options, client);
                case "proxy" -> proxy(options, client);
                case "proxy-bulk" -> proxyBulk(options, client);
                case "https" -> https(tls, new Wrk(client, options.connections, true, false));
                case "tls-handshakes" -> tlsHandshakes(tls, new Wrk(client, options.connections, true, true));
                case "tls-echo" -> tlsEcho(tls, tlsEcho);
                default -> throw new IllegalArgumentException("unknown suite " + id);
            });
        }
        return suites;
    }

    /** The kv example against redis-server: every test, with and without pipelining; target 0.8× redis. */
    private static Suite kv(Options options, PinnedClient client) {
        List<Workload> workloads = new ArrayList<>();
        for (int pipeline : options.pipelines) {
            for (String test : options.kvTests) workloads.add(new RedisBenchmark(client, test, options.connections, pipeline));
        }
        return new Suite("kv", "kv example vs redis-server (redis-benchmark)", List.of(
                Contender.of("redis", "redis-server (reference)", Launch.redisServer()),
                Contender.of("jmio-kv", "jmio kv", example("kv"))), workloads, 0.8);
    }

    /** The http example, on both APIs, against Netty's epoll hello server; target: ahead of Netty. */
    private static Suite http(Options options, PinnedClient client) {
        return new Suite("http", "http example vs Netty (wrk)", List.of(
                Contender.of("netty", "Netty epoll hello (reference)",
                        Launch.jvm("io.jmio.benchmarks.http.NettyHttpHello", ONE_THREAD)),
                Contender.of("jmio-http-core", "jmio http --api core", example("http", "--api", "core")),
                Contender.of("jmio-http-coroutines", "jmio http --api coroutines", example("http", "--api", "coroutines"))),
                List.of(new Wrk(client, options.connections)), 1.0);
    }

    /**
     * wrk through the proxy example (splicing, and copying through a buffer) to the http example,
     * against the same through haproxy (the reference, target 1.0x) and wrk to the http example directly.
     */
    private static Suite proxy(Options options, PinnedClient client) {
        return proxies("proxy", "proxy example vs haproxy, small requests: GET / to the http example (wrk)",
                example("http", "--api", "coroutines"), options, client);
    }

    /** The same proxies moving 1 MiB responses from Netty's hello server: bulk transfer. */
    private static Suite proxyBulk(Options options, PinnedClient client) {
        return proxies("proxy-bulk", "proxy example vs haproxy, bulk: 1 MiB responses from Netty (wrk)",
                Launch.jvm("io.jmio.benchmarks.http.NettyHttpHello", "--threads", "1", "--body-bytes", String.valueOf(1 << 20)),
                options, client);
    }

    private static Suite proxies(String id, String title, Launch upstream, Options options, PinnedClient client) {
        return new Suite(id, title, List.of(
                new Contender("haproxy", "haproxy, mode tcp, 1 thread (reference)", Launch.haproxy(), upstream),
                new Contender("proxied", "jmio proxy (splice)", example("proxy"), upstream),
                new Contender("proxied-copy", "jmio proxy --forward copy", example("proxy", "--forward", "copy"), upstream),
                Contender.of("direct", "no proxy: wrk to the server directly", upstream)),
                List.of(new Wrk(client, options.connections)), 1.0);
    }

    /** The coroutine http example over TLS against Netty's hello behind SslHandler, keep-alive; target: ahead of Netty. */
    private static Suite https(TlsKey tls, Workload wrk) {
        return new Suite("https", "HTTPS hello vs Netty SslHandler, keep-alive (wrk)", httpsContenders(tls), List.of(wrk), 1.0);
    }

    /** The same servers with a new connection, so a full handshake, per request; no target set. */
    private static Suite tlsHandshakes(TlsKey tls, Workload wrk) {
        return new Suite("tls-handshakes", "TLS handshakes: HTTPS hello vs Netty, a new connection per request (wrk)",
                httpsContenders(tls), List.of(wrk), Double.NaN);
    }

    private static List<Contender> httpsContenders(TlsKey tls) {
        return List.of(
                Contender.of("netty-https", "Netty epoll hello + SslHandler, JDK provider (reference)",
                        tlsServer(Launch.jvm("io.jmio.benchmarks.http.NettyHttpHello", ONE_THREAD), tls)),
                Contender.of("jmio-https-coroutines", "jmio http --api coroutines --tls",
                        tlsServer(example("http", "--api", "coroutines"), tls)));
    }

    /** The coroutine echo example over TLS against Netty's echo behind SslHandler; target: ahead of Netty. */
    private static Suite tlsEcho(TlsKey tls, EchoLoad load) {
        return new Suite("tls-echo", "TLS echo vs Netty SslHandler, JDK provider (native load generator, OpenSSL client)", List.of(
                Contender.of("netty-tls-echo", "Netty epoll echo + SslHandler, JDK provider (reference)",
                        tlsServer(Launch.jvm("io.jmio.benchmarks.echo.NettyEchoServer"), tls)),
                Contender.of("jmio-echo-tls", "jmio echo --api coroutines --tls",
                        tlsServer(example("echo", "--api", "coroutines"), tls))),
                List.of(load), 1.0);
    }

    /** {@code server} serving TLS with the run's key, protocol and cipher suite. */
    private static Launch tlsServer(Launch server, TlsKey tls) {
        List<String> args = new ArrayList<>(server.args());
        args.addAll(List.of(tls.serverArgs()));
        return new Launch(server.mainClass(), server.jvmArgs(), List.copyOf(args), server.readyLine()).withJvmArgs(TlsKey.JVM_OPTIONS);
    }

    private static Launch example(String name, String... args) {
        List<String> all = new ArrayList<>(List.of(name));
        all.addAll(List.of(args));
        all.addAll(List.of(ONE_THREAD));
        return Launch.jvm(EXAMPLES, all.toArray(new String[0]));
    }
}
