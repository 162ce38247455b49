package io.jmio;

import java.io.IOException;

/**
 * Called by an {@link EventLoop} on its thread when a registered source has a readiness event.
 *
 * <pre>{@code
 * loop.register(stream, Interest.READABLE, (registration, event) -> {
 *     while (stream.read(buffer) > 0) { ... }        // drain until it would block
 *     if (event.isReadClosed()) { registration.close(); stream.close(); }
 * });
 * }</pre>
 *
 * <p>The {@link Event} is a view that is valid only during the call; copy out what you keep.
 * Registrations are edge-triggered, as with {@link Poll}: do the operation until it would block.
 * An exception thrown here goes to the loop's exception handler and the loop carries on.
 */
@FunctionalInterface
public interface ReadyHandler {
    void ready(Registration registration, Event event) throws IOException;
}
