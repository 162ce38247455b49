package io.jmio.examples.echo;

import io.jmio.Event;
import io.jmio.Interest;
import io.jmio.ReadyHandler;
import io.jmio.Registration;
import io.jmio.net.TcpStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * One echo connection's handler, called on the loop thread for each of the connection's events.
 * It reads into its own buffer and writes those bytes back before reading more: when the peer reads
 * slower than it sends, the unwritten rest waits in the buffer until a writable event, and the
 * connection reads nothing meanwhile, so a slow peer costs one buffer, never a growing queue.
 */
final class LoopEchoConnection implements ReadyHandler {
    /** PRIORITY too: its events say a short read may have stopped at the urgent mark. */
    static final Interest INTERESTS = Interest.READABLE.add(Interest.WRITABLE).add(Interest.PRIORITY);
    private static final int BUFFER_SIZE = 16 * 1024;

    private final TcpStream stream;
    private final Set<TcpStream> open;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    /** True while {@link #buffer} holds bytes read but not yet written back (flipped for writing). */
    private boolean pending;

    LoopEchoConnection(TcpStream stream, Set<TcpStream> open) {
        this.stream = stream;
        this.open = open;
    }

    @Override
    public void ready(Registration registration, Event event) throws IOException {
        boolean alive;
        try {
            alive = echo(event);
        } catch (IOException reset) {
            alive = false; // the peer reset or vanished: nothing worth reporting
        }
        if (!alive) {
            try {
                registration.deregister();
            } finally {
                open.remove(stream);
                stream.close();
            }
        }
    }

    /**
     * Echoes until the socket would block, or a short read proved it empty (see
     * {@link Event#shortReadDrains()}); false once the peer has closed its side.
     */
    private boolean echo(Event event) throws IOException {
        // Only this call's own read can prove the socket empty: bytes may have come since an earlier one.
        boolean drained = false;
        for (;;) {
            if (pending) {
                stream.write(buffer);
                if (buffer.hasRemaining()) {
                    return true; // the peer's window is full: the next writable event resumes here
                }
                buffer.clear();
                pending = false;
                if (drained) {
                    return true;
                }
            }
            int room = buffer.remaining();
            int n = stream.read(buffer);
            if (n <= 0) {
                return n == 0; // 0: drained, wait for the next readable event; -1: end of stream
            }
            buffer.flip();
            pending = true;
            drained = n < room && event.shortReadDrains();
        }
    }
}
