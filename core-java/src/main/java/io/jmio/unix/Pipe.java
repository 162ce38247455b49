package io.jmio.unix;

import io.jmio.internal.FdHandle;
import io.jmio.internal.Fds;
import java.io.IOException;

/**
 * A one-way, non-blocking pipe ({@code pipe2} with {@code O_NONBLOCK | O_CLOEXEC}): bytes written
 * to the {@link #sender()} are read from the {@link #receiver()}. jmio's {@code mio::unix::pipe}.
 *
 * <pre>{@code
 * try (Pipe pipe = Pipe.open()) {
 *     poll.registry().register(pipe.receiver(), RECEIVER, Interest.READABLE);
 *     pipe.sender().write(ByteBuffer.wrap("hello".getBytes(UTF_8)));
 *     // a readable event for RECEIVER follows; pipe.receiver().read(buffer) returns 5
 * }
 * }</pre>
 *
 * <p>Each end is its own {@link io.jmio.Source} and may be closed on its own: closing the sender
 * gives the receiver a read-closed event (its reads then return -1 once drained), closing the
 * receiver gives the sender a write-closed event (its writes then throw "Broken pipe (EPIPE)").
 */
public final class Pipe implements AutoCloseable {
    private final PipeSender sender;
    private final PipeReceiver receiver;

    private Pipe(PipeSender sender, PipeReceiver receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }

    /** A new pipe; both ends are non-blocking and close-on-exec. */
    public static Pipe open() throws IOException {
        int[] fds = Fds.pipe();
        return new Pipe(new PipeSender(new FdHandle(fds[1])), new PipeReceiver(new FdHandle(fds[0])));
    }

    /** The writing end. */
    public PipeSender sender() {
        return sender;
    }

    /** The reading end. */
    public PipeReceiver receiver() {
        return receiver;
    }

    /** Closes both ends (each close is idempotent). */
    @Override
    public void close() {
        sender.close();
        receiver.close();
    }

    @Override
    public String toString() {
        return "Pipe(" + sender + ", " + receiver + ")";
    }
}
