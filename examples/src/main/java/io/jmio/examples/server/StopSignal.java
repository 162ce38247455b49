package io.jmio.examples.server;

import io.jmio.Registry;
import io.jmio.Waker;
import java.io.IOException;

/**
 * How a Poll loop is asked to stop from another thread: a flag the loop checks after each poll,
 * and a {@link Waker} so that the poll returns now rather than at its next event.
 *
 * <pre>{@code
 * StopSignal stop = new StopSignal(poll.registry(), WAKE_TOKEN);
 * while (!stop.isRequested()) {
 *     poll.poll(events, -1); // events with WAKE_TOKEN need no handling
 *     ...
 * }
 * }</pre>
 */
public final class StopSignal implements AutoCloseable {
    private final Waker waker;
    private volatile boolean requested;

    public StopSignal(Registry registry, long token) throws IOException {
        this.waker = new Waker(registry, token);
    }

    public boolean isRequested() {
        return requested;
    }

    /** Asks the loop to stop; from any thread, idempotent, harmless once the loop has closed. */
    public void request() {
        requested = true;
        try {
            waker.wake();
        } catch (IOException closedAlready) {
            // The loop has already closed its Poll: nothing left to wake.
        }
    }

    @Override
    public void close() {
        waker.close();
    }
}
