package io.jmio.internal;

/**
 * The bridge between {@code io.jmio.IoSource} and jmio's own sources in other packages: a subclass binds
 * its {@link FdHandle} here from its constructor, and code that must hold another source's fd
 * (fd passing) reads it here. {@code IoSource} installs the one accessor when it loads, so that no
 * public signature names {@code FdHandle}. Sources are typed {@code Object} here so that this
 * package stays below the public one. Internal: this package is not API.
 */
public final class SourceHandles {
    private SourceHandles() {}

    /** What {@code io.jmio.IoSource} lets this package do. */
    public interface Accessor {
        FdHandle handleOf(Object source);

        void bind(Object source, FdHandle handle, boolean tracksRegistration);
    }

    private static volatile Accessor accessor;

    /** @throws IllegalStateException if an accessor is installed already */
    public static synchronized void install(Accessor installed) {
        if (accessor != null) {
            throw new IllegalStateException("a source accessor is installed already");
        }
        accessor = installed;
    }

    /**
     * The handle of {@code source}.
     *
     * @throws IllegalArgumentException if {@code source} is not one of jmio's sources
     */
    public static FdHandle of(Object source) {
        return accessor.handleOf(source);
    }

    /**
     * Binds a source under construction to its fd, once; a subclass's constructor calls this first.
     *
     * @param tracksRegistration see {@code IoSource}: false for sources over a borrowed fd
     */
    public static void bind(Object source, FdHandle handle, boolean tracksRegistration) {
        accessor.bind(source, handle, tracksRegistration);
    }
}
