package io.jmio.examples.http;

import io.jmio.Event;
import io.jmio.Events;
import io.jmio.Interest;
import io.jmio.Poll;
import io.jmio.examples.server.PollLoopServer;
import io.jmio.examples.server.ReusePort;
import io.jmio.examples.server.StopSignal;
import io.jmio.net.TcpListener;
import io.jmio.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 hello server on the core API, mio style: one {@link Poll} per thread, a listener
 * per Poll (SO_REUSEPORT), tokens indexing a table of connections, and edge-triggered events
 * handled by doing all the I/O each socket allows. Idle connections are swept once a second.
 *
 * <pre>{@code
 * try (RunningServer server = CoreHttpServer.start(new InetSocketAddress("127.0.0.1", 8080), 1)) {
 *     server.await();
 * }
 * }</pre>
 */
public final class CoreHttpServer implements PollLoopServer.Loop {
    private static final long LISTENER = 0;
    private static final long WAKER = 1;
    private static final long FIRST_CONNECTION = 2;
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Poll poll;
    private final StopSignal stop;
    private final TcpListener listener;
    private final HttpDate date;
    private final long idleNanos;
    private final Events events = Events.withCapacity(1024);
    private CoreHttpConnection[] connections = new CoreHttpConnection[64];
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int used;

    private CoreHttpServer(TcpListener listener, HttpDate date, long idleMillis) throws IOException {
        this.listener = listener;
        this.date = date;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.poll = Poll.open();
        try {
            this.stop = new StopSignal(poll.registry(), WAKER);
            poll.registry().register(listener, LISTENER, Interest.READABLE);
        } catch (IOException | RuntimeException e) {
            poll.close();
            throw e;
        }
    }

    /** Serves {@code address} with {@code threads} loops; idle connections close after {@code idleMillis}. */
    public static PollLoopServer start(InetSocketAddress address, int threads, long idleMillis) throws IOException {
        List<TcpListener> listeners = ReusePort.tcpListeners(address, threads);
        HttpDate date = new HttpDate();
        List<CoreHttpServer> loops = new ArrayList<>();
        try {
            for (TcpListener listener : listeners) {
                loops.add(new CoreHttpServer(listener, date, idleMillis));
            }
        } catch (IOException | RuntimeException e) {
            PollLoopServer.closeAll(loops);
            listeners.forEach(TcpListener::close);
            throw e;
        }
        return PollLoopServer.start("jmio-http", listeners.get(0).localAddress(), loops);
    }

    @Override
    public void run() throws IOException {
        long nextSweep = System.nanoTime() + SWEEP_INTERVAL_NANOS;
        while (!stop.isRequested()) {
            poll.poll(events, TimeUnit.NANOSECONDS.toMillis(SWEEP_INTERVAL_NANOS));
            long now = System.nanoTime();
            for (int i = 0; i < events.size(); i++) {
                Event event = events.get(i);
                long token = event.token();
                if (token == LISTENER) {
                    acceptAll(now);
                } else if (token != WAKER) {
                    drive((int) (token - FIRST_CONNECTION), now);
                }
            }
            if (now - nextSweep >= 0) {
                closeExpired(now);
                nextSweep = now + SWEEP_INTERVAL_NANOS;
            }
        }
    }

    private void acceptAll(long now) throws IOException {
        TcpStream stream;
        while ((stream = listener.accept()) != null) {
            int slot = allocateSlot();
            try {
                stream.setNoDelay(true);
                // Both interests once, edge-triggered: no re-registration as the connection's needs change.
                poll.registry().register(stream, FIRST_CONNECTION + slot, Interest.READABLE.add(Interest.WRITABLE));
            } catch (IOException e) {
                stream.close();
                freeSlots[freeCount++] = slot;
                continue;
            }
            connections[slot] = new CoreHttpConnection(stream, date, now);
            drive(slot, now); // the request may already be there
        }
    }

    private void drive(int slot, long now) {
        CoreHttpConnection connection = connections[slot];
        if (connection == null) {
            return; // closed earlier in this batch of events
        }
        boolean open;
        try {
            open = connection.drive(now);
        } catch (IOException peerTrouble) {
            open = false; // reset, broken pipe: this connection ends, the server goes on
        }
        if (!open) {
            closeSlot(slot);
        }
    }

    private void closeExpired(long now) {
        for (int slot = 0; slot < used; slot++) {
            CoreHttpConnection connection = connections[slot];
            if (connection != null && connection.isExpired(now, idleNanos)) {
                closeSlot(slot);
            }
        }
    }

    private int allocateSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        if (used == connections.length) {
            connections = Arrays.copyOf(connections, used * 2);
            freeSlots = Arrays.copyOf(freeSlots, used * 2);
        }
        return used++;
    }

    private void closeSlot(int slot) {
        connections[slot].stream.close(); // closing also removes it from the Poll
        connections[slot] = null;
        freeSlots[freeCount++] = slot;
    }

    @Override
    public void stop() {
        stop.request();
    }

    @Override
    public void close() {
        for (int slot = 0; slot < used; slot++) {
            if (connections[slot] != null) {
                closeSlot(slot);
            }
        }
        listener.close();
        stop.close();
        poll.close();
    }
}
