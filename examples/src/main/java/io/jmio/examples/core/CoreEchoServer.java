package io.jmio.examples.core;

import io.jmio.Event;
import io.jmio.Events;
import io.jmio.Interest;
import io.jmio.Poll;
import io.jmio.Waker;
import io.jmio.net.TcpListener;
import io.jmio.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A single-threaded TCP echo server on jmio's core API: one {@link Poll}, one {@link Events}, a
 * slab of connections indexed by token, edge-triggered throughout.
 *
 * <pre>
 * java -cp jmio-examples.jar io.jmio.examples.core.CoreEchoServer --host 127.0.0.1 --port 7007
 * </pre>
 *
 * <p>Every event reads its socket until it would block or a read comes back short. A short read
 * emptied the socket: on Linux the next byte or end of stream raises a new edge-triggered event,
 * so the read that would only say "would block" is skipped unless the event already reported a
 * hang-up (nginx and tokio rely on the same guarantee; see {@link TcpStream}), or urgent data: a
 * read stops short at the urgent mark with more queued behind it, so connections are registered
 * for {@link Interest#PRIORITY} too, and an event that reports it reads on until "would block".
 * Bytes read go straight back out from one shared
 * direct buffer; what the peer is too slow to take is kept in the connection's own buffer, and the
 * connection then waits for {@link Interest#WRITABLE} and stops reading until that backlog is
 * sent, so a client that never reads cannot make the server buffer without bound (reading resumes
 * only once the backlog is flushed, so end of stream is always seen with nothing left to send). A
 * connection is closed at end of stream or on any error. With direct buffers,
 * serving a request allocates nothing; only accepting a connection and its first backlog do.
 */
public final class CoreEchoServer implements AutoCloseable {
    private static final long LISTENER = -1;
    private static final long WAKER = -2;
    private static final int BUFFER_SIZE = 64 * 1024;
    /** PRIORITY too: its events say a short read may have stopped at the urgent mark. */
    private static final Interest READ_INTEREST = Interest.READABLE.add(Interest.PRIORITY);

    private final Poll poll;
    private final TcpListener listener;
    private final Waker waker;
    private final Events events = Events.withCapacity(1024);
    /** Shared by all connections: each read is echoed before the next read happens. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final ConnectionSlab connections = new ConnectionSlab();
    private volatile boolean stopping;

    /** Binds to {@code address} (port 0 picks a free port); {@link #run()} serves it. */
    public CoreEchoServer(InetSocketAddress address) throws IOException {
        poll = Poll.open();
        TcpListener bound = null;
        Waker wake = null;
        try {
            bound = TcpListener.bind(address);
            poll.registry().register(bound, LISTENER, Interest.READABLE);
            wake = new Waker(poll.registry(), WAKER);
        } catch (IOException | RuntimeException e) {
            if (bound != null) {
                bound.close();
            }
            poll.close();
            throw e;
        }
        listener = bound;
        waker = wake;
    }

    /** The address clients connect to. */
    public InetSocketAddress localAddress() throws IOException {
        return listener.localAddress();
    }

    /** Serves connections on the calling thread until {@link #stop()}, then closes everything. */
    public void run() throws IOException {
        try {
            while (!stopping) {
                poll.poll(events, -1L);
                for (int i = 0, n = events.size(); i < n; i++) {
                    Event event = events.get(i);
                    long token = event.token();
                    if (token == LISTENER) {
                        acceptAll();
                    } else if (token >= 0) {
                        serve((int) token, event);
                    }
                }
            }
        } finally {
            close();
        }
    }

    /** Makes {@link #run()} return; safe from any thread, and a no-op once the server is closed. */
    public void stop() {
        stopping = true;
        try {
            waker.wake();
        } catch (IOException closed) {
            // run() has already finished and closed the waker
        }
    }

    private void acceptAll() {
        for (;;) {
            TcpStream stream;
            try {
                stream = listener.accept();
            } catch (IOException e) {
                // Out of fds, most likely: the next connection's event retries.
                System.err.println("accept: " + e.getMessage());
                return;
            }
            if (stream == null) {
                return;
            }
            int slot = connections.add(stream);
            try {
                stream.setNoDelay(true);
                poll.registry().register(stream, slot, READ_INTEREST);
            } catch (IOException e) {
                connections.remove(slot);
            }
        }
    }

    /** Handles any event of a connection: flush its backlog, then echo until the socket is empty. */
    private void serve(int slot, Event event) {
        Connection connection = connections.get(slot);
        if (connection == null) {
            return; // closed earlier in this batch of events
        }
        try {
            if (!connection.flush()) {
                return; // still backlogged: wait for the next writable event, reading nothing meanwhile
            }
            TcpStream stream = connection.stream;
            for (;;) {
                ByteBuffer buffer = readBuffer;
                buffer.clear();
                int n = stream.read(buffer);
                if (n < 0) {
                    connections.remove(slot);
                    return;
                }
                if (n == 0) {
                    break;
                }
                buffer.flip();
                while (buffer.hasRemaining() && stream.write(buffer) > 0) {
                    // keep writing while the kernel takes bytes
                }
                if (buffer.hasRemaining()) {
                    connection.keep(buffer);
                    waitForWritable(connection, slot);
                    return;
                }
                if (n < BUFFER_SIZE && event.shortReadDrains()) {
                    break; // emptied: the next byte or FIN brings a new event
                }
            }
            if (connection.wantsWritable) {
                connection.wantsWritable = false;
                poll.registry().reregister(stream, slot, READ_INTEREST);
            }
        } catch (IOException e) {
            connections.remove(slot);
        }
    }

    private void waitForWritable(Connection connection, int slot) throws IOException {
        if (!connection.wantsWritable) {
            connection.wantsWritable = true;
            poll.registry().reregister(connection.stream, slot, READ_INTEREST.add(Interest.WRITABLE));
        }
    }

    /** Stops serving and closes the listener, every connection and the poll; idempotent. */
    @Override
    public void close() {
        stopping = true;
        connections.closeAll();
        listener.close();
        waker.close();
        poll.close();
    }

    public static void main(String[] args) throws IOException {
        String host = "127.0.0.1";
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 < args.length && arg.equals("--host")) {
                host = args[++i];
            } else if (i + 1 < args.length && arg.equals("--port")) {
                port = parsePort(args[++i]);
            } else {
                usage("unknown or incomplete option: " + arg);
            }
        }
        try (CoreEchoServer server = new CoreEchoServer(new InetSocketAddress(host, port))) {
            InetSocketAddress bound = server.localAddress();
            String shown = bound.getHostString().indexOf(':') >= 0 ? "[" + bound.getHostString() + "]" : bound.getHostString();
            System.err.println("listening on " + shown + ":" + bound.getPort());
            server.run();
        }
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        usage("not a port: " + value);
        return -1;
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: CoreEchoServer [--host HOST] [--port PORT]");
        System.exit(2);
    }

    /** One client: its stream and, while the client reads slower than it sends, the unsent echo. */
    private static final class Connection {
        final TcpStream stream;
        /** Unsent bytes between position and limit; allocated at the first backlog, then reused. */
        private ByteBuffer backlog;
        boolean wantsWritable;

        Connection(TcpStream stream) {
            this.stream = stream;
        }

        /** Keeps what {@code unsent} still holds, to send once the socket is writable again. */
        void keep(ByteBuffer unsent) {
            if (backlog == null || backlog.capacity() < unsent.remaining()) {
                backlog = ByteBuffer.allocateDirect(Math.max(BUFFER_SIZE, unsent.remaining()));
            }
            backlog.clear();
            backlog.put(unsent);
            backlog.flip();
        }

        /** Sends the backlog; true once nothing is left. */
        boolean flush() throws IOException {
            ByteBuffer pending = backlog;
            while (pending != null && pending.hasRemaining()) {
                if (stream.write(pending) == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Connections by token: an array that grows, with a stack of free slots. */
    private static final class ConnectionSlab {
        private Connection[] slots = new Connection[64];
        private int[] free = new int[64];
        private int freeCount;
        private int used;

        int add(TcpStream stream) {
            int slot;
            if (freeCount > 0) {
                slot = free[--freeCount];
            } else {
                if (used == slots.length) {
                    slots = java.util.Arrays.copyOf(slots, used * 2);
                    free = java.util.Arrays.copyOf(free, used * 2);
                }
                slot = used++;
            }
            slots[slot] = new Connection(stream);
            return slot;
        }

        Connection get(int slot) {
            return slot < used ? slots[slot] : null;
        }

        /** Closes the connection in {@code slot} (which also removes it from the poll) and frees the slot. */
        void remove(int slot) {
            Connection connection = slots[slot];
            if (connection != null) {
                connection.stream.close();
                slots[slot] = null;
                free[freeCount++] = slot;
            }
        }

        void closeAll() {
            for (int slot = 0; slot < used; slot++) {
                remove(slot);
            }
        }
    }
}
