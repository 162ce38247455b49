package io.jmio.examples.echo;

import io.jmio.EventLoop;
import io.jmio.Interest;
import io.jmio.net.TcpListener;
import io.jmio.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * A TCP echo server written against {@link EventLoop} in the handler style, for Java users: the
 * listener's handler accepts, each connection's handler echoes. One loop thread serves everything.
 *
 * <pre>{@code
 * try (LoopEchoServer server = LoopEchoServer.start(new InetSocketAddress("127.0.0.1", 7000))) {
 *     System.err.println("listening on " + server.localAddress());
 *     server.await(); // until another thread calls stop()
 * }
 * }</pre>
 *
 * From the command line: {@code java -cp jmio-examples.jar io.jmio.examples.echo.LoopEchoServer
 * [PORT]} serves 127.0.0.1:PORT (default 7000) until the process is stopped.
 *
 * <p>Each connection is registered once for readable, writable and priority readiness
 * (edge-triggered, so a writable event only comes when a full send buffer drains) and echoes
 * through its own direct buffer; after the accept, serving a connection allocates nothing.
 */
public final class LoopEchoServer implements AutoCloseable {
    private final EventLoop loop;
    private final TcpListener listener;
    private final InetSocketAddress localAddress;
    /** Loop thread only: the open connections, closed when the server stops. */
    private final Set<TcpStream> connections = new HashSet<>();
    private final Thread thread;

    private LoopEchoServer(EventLoop loop, TcpListener listener) throws IOException {
        this.loop = loop;
        this.listener = listener;
        this.localAddress = listener.localAddress();
        this.thread = new Thread(this::serve, "jmio-loop-echo");
    }

    /**
     * Binds {@code address} (port 0 picks a free port) and starts serving on a new thread.
     *
     * @throws java.net.BindException if the address is taken
     */
    public static LoopEchoServer start(InetSocketAddress address) throws IOException {
        EventLoop loop = EventLoop.open();
        TcpListener listener = null;
        try {
            listener = TcpListener.bind(address);
            LoopEchoServer server = new LoopEchoServer(loop, listener);
            loop.register(listener, Interest.READABLE, (registration, event) -> server.acceptAll());
            server.thread.start();
            return server;
        } catch (IOException | RuntimeException e) {
            if (listener != null) {
                listener.close();
            }
            loop.close();
            throw e;
        }
    }

    /** The bound address, with the actual port when asked for port 0. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Asks the server to stop; returns at once. Idempotent and safe from any thread. */
    public void stop() {
        loop.shutdown();
    }

    /** Waits until the server has stopped and closed its listener, connections and loop. */
    public void await() throws InterruptedException {
        thread.join();
    }

    /** {@link #stop()}, then {@link #await()}. */
    @Override
    public void close() throws InterruptedException {
        stop();
        await();
    }

    private void serve() {
        try {
            loop.run();
        } catch (IOException e) {
            System.err.println("echo loop failed: " + e);
        } finally {
            loop.close(); // deregisters the listener and every connection
            listener.close();
            connections.forEach(TcpStream::close);
            connections.clear();
        }
    }

    /**
     * Accepts every waiting connection. An accept failure (out of fds, say) propagates to the
     * loop's exception handler, which reports it; the next connection's event tries again.
     */
    private void acceptAll() throws IOException {
        TcpStream stream;
        while ((stream = listener.accept()) != null) {
            try {
                stream.setNoDelay(true);
                loop.register(stream, LoopEchoConnection.INTERESTS, new LoopEchoConnection(stream, connections));
                connections.add(stream);
            } catch (IOException e) {
                stream.close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7000;
        LoopEchoServer server = start(new InetSocketAddress("127.0.0.1", port));
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "jmio-loop-echo-stop"));
        System.err.println("listening on 127.0.0.1:" + server.localAddress().getPort());
        server.await();
    }
}
