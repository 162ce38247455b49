package io.jmio.examples.udp;

import io.jmio.Event;
import io.jmio.Events;
import io.jmio.Interest;
import io.jmio.Poll;
import io.jmio.examples.server.PollLoopServer;
import io.jmio.examples.server.ReusePort;
import io.jmio.examples.server.StopSignal;
import io.jmio.net.UdpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Echoes each datagram to its sender: mio's {@code udp_server} example on the core API, with one
 * Poll and one SO_REUSEPORT socket per thread.
 *
 * <pre>{@code
 * try (RunningServer server = UdpEchoServer.start(new InetSocketAddress("127.0.0.1", 0), 1)) {
 *     // send datagrams to server.localAddress()
 * }
 * }</pre>
 *
 * <p>If the socket's send buffer is full, the datagram waits in the receive buffer (one datagram,
 * never more) until the socket is writable again, and reading stops meanwhile: the kernel's
 * receive queue is the backlog, and it drops datagrams when full, as UDP may.
 */
public final class UdpEchoServer implements PollLoopServer.Loop {
    private static final long SOCKET = 0;
    private static final long WAKER = 1;
    /** The largest UDP payload fits. */
    private static final int MAX_DATAGRAM = 65_536;

    private final UdpSocket socket;
    private final Poll poll;
    private final StopSignal stop;
    private final Events events = Events.withCapacity(16);
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    /** The sender of the datagram in {@link #buffer} that could not be echoed yet, or null. */
    private InetSocketAddress unsentTo;

    private UdpEchoServer(UdpSocket socket) throws IOException {
        this.socket = socket;
        this.poll = Poll.open();
        try {
            this.stop = new StopSignal(poll.registry(), WAKER);
            poll.registry().register(socket, SOCKET, Interest.READABLE.add(Interest.WRITABLE));
        } catch (IOException | RuntimeException e) {
            poll.close();
            throw e;
        }
    }

    public static PollLoopServer start(InetSocketAddress address, int threads) throws IOException {
        List<UdpSocket> sockets = ReusePort.udpSockets(address, threads);
        List<UdpEchoServer> loops = new ArrayList<>();
        try {
            for (UdpSocket socket : sockets) {
                loops.add(new UdpEchoServer(socket));
            }
        } catch (IOException | RuntimeException e) {
            PollLoopServer.closeAll(loops);
            sockets.forEach(UdpSocket::close);
            throw e;
        }
        return PollLoopServer.start("jmio-udp-echo", sockets.get(0).localAddress(), loops);
    }

    @Override
    public void run() throws IOException {
        while (!stop.isRequested()) {
            poll.poll(events, -1);
            for (int i = 0; i < events.size(); i++) {
                Event event = events.get(i);
                if (event.token() == SOCKET) {
                    echoAll();
                }
            }
        }
    }

    /** Echoes until the socket would block, either way. */
    private void echoAll() throws IOException {
        while (true) {
            if (unsentTo == null) {
                buffer.clear();
                unsentTo = socket.receiveFrom(buffer);
                if (unsentTo == null) {
                    return; // nothing more to read: wait for the next readable event
                }
                buffer.flip();
            }
            try {
                if (socket.sendTo(buffer, unsentTo) < 0) {
                    return; // send buffer full: keep the datagram for the next writable event
                }
            } catch (IOException e) {
                // One undeliverable datagram must not stop the echo for everyone else.
                System.err.println("udp-echo: dropped a datagram for " + unsentTo + ": " + e.getMessage());
            }
            unsentTo = null;
        }
    }

    @Override
    public void stop() {
        stop.request();
    }

    @Override
    public void close() {
        socket.close();
        stop.close();
        poll.close();
    }
}
