package io.jmio.examples.http;

import io.jmio.net.Shutdown;
import io.jmio.net.TcpStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One connection of the core-API HTTP server: a stream, its two buffers and its
 * {@link HttpSession}. {@link #drive} does all the I/O the socket allows right now, as
 * edge-triggered readiness requires, and remembers where it stopped.
 */
final class CoreHttpConnection {
    /** Room for a full request head ({@link HttpSession#MAX_HEAD}) and what follows it. */
    private static final int BUFFER_SIZE = 16 * 1024;
    private static final long LINGER_NANOS = 2_000_000_000L;

    final TcpStream stream;
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final HttpSession session;
    private long lastActiveNanos;
    /** When a closing connection stops waiting for the client's EOF; 0 until it is closing. */
    private long lingerDeadline;

    CoreHttpConnection(TcpStream stream, HttpDate date, long now) {
        this.stream = stream;
        this.session = new HttpSession(date);
        this.lastActiveNanos = now;
    }

    /**
     * Writes what is pending, answers what was read, reads more, until the socket would block.
     *
     * @return false when the connection is finished and should be closed
     */
    boolean drive(long now) throws IOException {
        while (lingerDeadline == 0) {
            if (out.position() > 0) {
                out.flip();
                stream.write(out);
                out.compact();
                if (out.position() > 0) {
                    return true; // the next writable event brings us back here
                }
            }
            if (session.isClosing()) {
                // Stop sending, then drop what the client still sends until it closes: closing
                // with unread input would reset the connection and could destroy the response.
                stream.shutdown(Shutdown.WRITE);
                lingerDeadline = now + LINGER_NANOS;
                break;
            }
            in.flip();
            session.process(in, out);
            in.compact();
            if (out.position() > 0 || session.isClosing()) {
                continue;
            }
            int n = stream.read(in);
            if (n == 0) {
                return true; // the next readable event brings us back here
            }
            if (n < 0) {
                return false;
            }
            lastActiveNanos = now;
        }
        return drainUntilEof();
    }

    private boolean drainUntilEof() throws IOException {
        int n;
        do {
            in.clear();
        } while ((n = stream.read(in)) > 0);
        return n == 0;
    }

    /** Whether the connection has been idle for {@code idleNanos}, or lingered too long. */
    boolean isExpired(long now, long idleNanos) {
        return lingerDeadline != 0 ? now - lingerDeadline > 0 : now - lastActiveNanos > idleNanos;
    }
}
