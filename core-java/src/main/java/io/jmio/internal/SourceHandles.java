package io.jmio.internal;

/**
 * The {@link FdHandle} behind a public source, for the public classes outside its package that
 * must hold another source's fd acquired (fd passing); {@code io.jmio.IoSource} keeps the handle
 * protected and installs the one accessor here when it loads. Internal: this package is not API.
 */
public final class SourceHandles {
    private SourceHandles() {}

    /** Reads a source's handle. */
    public interface Accessor {
        FdHandle handleOf(Object source);
    }

    private static volatile Accessor accessor;

    /** @throws IllegalStateException if an accessor is installed already */
    public static synchronized void install(Accessor installed) {
        if (accessor != null) {
            throw new IllegalStateException("a source accessor is installed already");
        }
        accessor = installed;
    }

    /** The handle of {@code source}, an {@code io.jmio.IoSource} (whose loading installed the accessor). */
    public static FdHandle of(Object source) {
        return accessor.handleOf(source);
    }
}
