package io.jmio;

import java.io.IOException;

/**
 * Called by an {@link EventLoop} on its thread when a registered source has a readiness event.
 *
 * <pre>{@code
 * loop.register(stream, Interest.READABLE.add(Interest.PRIORITY), (registration, event) -> {
 *     int n;
 *     while ((n = stream.read(buffer.clear())) > 0) { // a direct buffer
 *         consume(buffer.flip());
 *         if (n < buffer.capacity() && event.shortReadDrains()) return; // emptied: no read that would block
 *     }
 *     if (n < 0) { registration.close(); stream.close(); } // the peer closed its side
 * });
 * }</pre>
 *
 * <p>The {@link Event} is a view that is valid only during the call; copy out what you keep.
 * Registrations are edge-triggered, as with {@link Poll}: do the operation until it would block,
 * or, for reads, until {@link Event#shortReadDrains()} says a short read emptied the source.
 * An exception thrown here goes to the loop's exception handler and the loop carries on.
 */
@FunctionalInterface
public interface ReadyHandler {
    void ready(Registration registration, Event event) throws IOException;
}
