package io.jmio;

import io.jmio.sys.Epoll;

/**
 * One readiness event: a view of an entry in an {@link Events} buffer, valid until that buffer's
 * next {@link Poll#poll}. Copy out what you need (the token, the flags) if you keep it longer.
 *
 * <p>Only {@link #isReadable()} and {@link #isWritable()} are portable. The others are hints: a
 * close or an error is always also delivered as readable (or writable) readiness; the closed flags
 * have no false positives but may have false negatives. Events may be spurious: an operation
 * after an event may still find it would block.
 *
 * <pre>{@code
 * for (Event event : events) {
 *     if (event.token() == SERVER && event.isReadable()) acceptAll();
 *     if (event.isReadClosed()) closeConnection(event.token());
 * }
 * }</pre>
 */
public final class Event {
    private final Events events;
    private final int index;

    Event(Events events, int index) {
        this.events = events;
        this.index = index;
    }

    /** The token the source was registered with. */
    public long token() {
        return Epoll.data(events.buffer, index);
    }

    public boolean isReadable() {
        return Epoll.isReadable(flags());
    }

    public boolean isWritable() {
        return Epoll.isWritable(flags());
    }

    public boolean isError() {
        return Epoll.isError(flags());
    }

    /** The peer will send no more, or the source hung up. */
    public boolean isReadClosed() {
        return Epoll.isReadClosed(flags());
    }

    /** Writing can no longer succeed. */
    public boolean isWriteClosed() {
        return Epoll.isWriteClosed(flags());
    }

    public boolean isPriority() {
        return Epoll.isPriority(flags());
    }

    /**
     * Whether, after this event, a read that returns fewer bytes than a direct buffer had room for
     * emptied the stream, so that the next byte or end of stream raises a new event and the read
     * that could only say "would block" may be skipped: one syscall fewer per message, the rule
     * nginx and tokio use. False after a hang-up or an error (read on until end of stream) and
     * after urgent data (read on until "would block"). Urgent data is only reported to sources
     * registered with {@link Interest#PRIORITY}: register it too, or a peer sending urgent data
     * can stall a reader that trusts this. Holds for TCP and Unix streams and pipes.
     *
     * <pre>{@code
     * int room = buffer.remaining();
     * int n = stream.read(buffer);     // direct buffer
     * ... use the bytes ...
     * if (n < room && event.shortReadDrains()) return; // drained: wait for the next event
     * }</pre>
     */
    public boolean shortReadDrains() {
        return Epoll.shortReadDrains(flags());
    }

    private int flags() {
        return Epoll.flags(events.buffer, index);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("Event{token=").append(token());
        if (isReadable()) out.append(", readable");
        if (isWritable()) out.append(", writable");
        if (isError()) out.append(", error");
        if (isReadClosed()) out.append(", read-closed");
        if (isWriteClosed()) out.append(", write-closed");
        if (isPriority()) out.append(", priority");
        return out.append(", os=").append(Epoll.describe(flags())).append('}').toString();
    }
}
