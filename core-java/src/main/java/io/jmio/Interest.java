package io.jmio;

import java.util.Objects;

/**
 * The readiness a registration asks for: a non-empty combination of {@link #READABLE}, {@link
 * #WRITABLE} and {@link #PRIORITY}. Every combination is a shared constant, so combining never
 * allocates and instances compare with {@code ==}.
 *
 * <pre>{@code
 * Interest both = Interest.READABLE.add(Interest.WRITABLE);
 * both.isWritable();                       // true
 * both.remove(Interest.WRITABLE);          // READABLE
 * Interest.READABLE.remove(Interest.READABLE); // null: nothing left
 * both.toString();                         // "READABLE | WRITABLE"
 * }</pre>
 */
public final class Interest {
    private static final int R = 1;
    private static final int W = 2;
    private static final int P = 4;

    private static final Interest[] ALL = new Interest[8];

    static {
        for (int bits = 1; bits < ALL.length; bits++) {
            ALL[bits] = new Interest(bits);
        }
    }

    /** Readable readiness; on Linux also reports the peer's half-close (EPOLLIN | EPOLLRDHUP). */
    public static final Interest READABLE = ALL[R];
    /** Writable readiness (EPOLLOUT). */
    public static final Interest WRITABLE = ALL[W];
    /** Priority (out-of-band) readiness (EPOLLPRI). */
    public static final Interest PRIORITY = ALL[P];

    private final int bits;

    private Interest(int bits) {
        this.bits = bits;
    }

    /** This interest together with {@code other}. */
    public Interest add(Interest other) {
        return ALL[bits | Objects.requireNonNull(other, "other").bits];
    }

    /** This interest without {@code other}, or null when nothing would be left. */
    public Interest remove(Interest other) {
        return ALL[bits & ~Objects.requireNonNull(other, "other").bits];
    }

    public boolean isReadable() {
        return (bits & R) != 0;
    }

    public boolean isWritable() {
        return (bits & W) != 0;
    }

    public boolean isPriority() {
        return (bits & P) != 0;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (isReadable()) {
            out.append("READABLE");
        }
        if (isWritable()) {
            out.append(out.length() == 0 ? "" : " | ").append("WRITABLE");
        }
        if (isPriority()) {
            out.append(out.length() == 0 ? "" : " | ").append("PRIORITY");
        }
        return out.toString();
    }
}
