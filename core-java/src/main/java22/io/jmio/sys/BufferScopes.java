package io.jmio.sys;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Whether a direct buffer's memory can be freed while the buffer is still reachable: true for a
 * view of a closeable {@code Arena}'s segment, whose memory goes away at {@code arena.close()}.
 * The kernel must never be handed such memory, since nothing stops the arena closing mid-call;
 * jmio copies those buffers through the thread's bounce buffer, where the JDK's own access checks
 * turn a closed arena into an {@link IllegalStateException}. Internal.
 *
 * <p>The JDK 22+ version (the jar's {@code META-INF/versions/22}), used by both backends.
 */
@Jdk22
public final class BufferScopes {
    private BufferScopes() {}

    /**
     * The sessions whose memory lives as long as something reachable from the buffer: a plain
     * direct or mapped buffer's (a heap session holding the buffer), {@code Arena.global()}'s,
     * and {@code Arena.ofAuto()}'s (its segment, which the buffer holds, keeps it). The FFM API
     * has no public "is closeable", so these are named; any other session, including one a later
     * JDK adds, counts as closeable: copied, never wrong.
     */
    private static boolean livesAsLongAsTheBuffer(String sessionClass) {
        switch (sessionClass) {
            case "jdk.internal.foreign.GlobalSession$HeapSession":
            case "jdk.internal.foreign.GlobalSession":
            case "jdk.internal.foreign.ImplicitSession":
                return true;
            default:
                return false;
        }
    }

    /** Whether {@code buffer}'s memory belongs to an arena that can be closed. */
    public static boolean closeable(ByteBuffer buffer) {
        return buffer.isDirect() && !livesAsLongAsTheBuffer(MemorySegment.ofBuffer(buffer).scope().getClass().getName());
    }

    /**
     * Touches {@code buffer[index]} through NIO, whose access checks are the JDK's own: before a
     * read takes any bytes from the kernel, a closed arena throws {@link IllegalStateException}
     * (as the JDK's channels do) and a confined arena used from another thread throws
     * {@code WrongThreadException}. Call it only with an index below the limit the caller read.
     */
    public static void requireAccessible(ByteBuffer buffer, int index) {
        if (buffer.isDirect()) {
            buffer.get(index);
        }
    }
}
