package io.jmio.examples.echo;

import io.jmio.examples.core.CoreEchoServer;
import io.jmio.examples.server.PollLoopServer;
import io.jmio.examples.server.RunningServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import javax.net.ssl.SSLContext;

/** The echo server written three ways, behind one switch: what {@code echo --api} picks. */
public final class EchoServers {
    /** The APIs, the default first. */
    public static final List<String> APIS = List.of("coroutines", "core", "loop");

    private EchoServers() {}

    /**
     * Starts the echo server written with {@code api}: {@code coroutines} ({@link CoroutineEcho}),
     * {@code core} (a raw Poll loop, {@link CoreEchoServer}) or {@code loop} (EventLoop handlers,
     * {@link LoopEchoServer}). Only the coroutine one uses more than one loop; the others are
     * single-threaded, as mio's examples are.
     *
     * @throws IllegalArgumentException for an unknown API, or {@code threads != 1} for a single-loop one
     */
    public static RunningServer start(String api, InetSocketAddress address, int threads) throws IOException {
        return start(api, address, threads, null);
    }

    /**
     * {@link #start(String, InetSocketAddress, int)} over TLS with {@code tls} ({@code echo --tls}),
     * or plain with null. Only the coroutine server speaks TLS.
     *
     * @throws IllegalArgumentException as there, and for {@code tls} with another API
     */
    public static RunningServer start(String api, InetSocketAddress address, int threads, SSLContext tls) throws IOException {
        if (api.equals("coroutines")) {
            return CoroutineEcho.INSTANCE.start(address, threads, tls);
        }
        if (tls != null) {
            throw new IllegalArgumentException("echo --api " + api + " serves no TLS; --tls is for --api coroutines");
        }
        if (!APIS.contains(api)) {
            throw new IllegalArgumentException("no echo server written with '" + api + "'; there are " + APIS);
        }
        if (threads != 1) {
            throw new IllegalArgumentException("echo --api " + api + " runs one loop; --threads is for --api coroutines");
        }
        if (api.equals("loop")) {
            return adapt(LoopEchoServer.start(address));
        }
        return pollLoop(new CoreEchoServer(address));
    }

    /** The core-API server (mio style): its own Poll loop on one thread. */
    private static RunningServer pollLoop(CoreEchoServer server) throws IOException {
        return PollLoopServer.start("jmio-echo", server.localAddress(), List.of(new PollLoopServer.Loop() {
            @Override
            public void run() throws IOException {
                server.run();
            }

            @Override
            public void stop() {
                server.stop();
            }

            @Override
            public void close() {
                server.close();
            }
        }));
    }

    /** The EventLoop server already has a server's life cycle; only the type differs. */
    private static RunningServer adapt(LoopEchoServer server) {
        return new RunningServer() {
            @Override
            public InetSocketAddress localAddress() {
                return server.localAddress();
            }

            @Override
            public void stop() {
                server.stop();
            }

            @Override
            public void await() throws InterruptedException {
                server.await();
            }
        };
    }
}
