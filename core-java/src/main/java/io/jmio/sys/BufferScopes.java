package io.jmio.sys;

import java.nio.ByteBuffer;

/**
 * Whether a direct buffer's memory can be freed while the buffer is still reachable: true for a
 * view of a closeable {@code Arena}'s segment (JDK 22+), whose memory goes away at
 * {@code arena.close()}. The kernel must never be handed such memory, since nothing stops the
 * arena closing mid-call; jmio copies those buffers through the thread's bounce buffer, where the
 * JDK's own access checks turn a closed arena into an {@link IllegalStateException}. Internal.
 *
 * <p>This is the Java 11 version, for JVMs without the Foreign Function &amp; Memory API: their
 * direct buffers own their memory. The jar's {@code META-INF/versions/22} replaces it.
 */
public final class BufferScopes {
    private BufferScopes() {}

    /** Whether {@code buffer}'s memory belongs to an arena that can be closed. Allocates nothing here. */
    public static boolean closeable(ByteBuffer buffer) {
        return false;
    }

    /**
     * Checks that {@code buffer} may be accessed by this thread before a read takes bytes from the
     * kernel for it: always so without arenas.
     */
    public static void requireAccessible(ByteBuffer buffer, int index) {}
}
