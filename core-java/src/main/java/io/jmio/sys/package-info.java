/**
 * Internal: the native boundary. Not public API; it may change in any release.
 *
 * <p>This is the only package that knows JNA, the Foreign Function &amp; Memory API, errno values,
 * struct layouts and Linux constants. Its contract, {@link io.jmio.sys.Syscalls}, takes primitives
 * and raw addresses and returns {@code >= 0} on success or {@code -errno} on failure, so the two
 * backends (JNA everywhere; FFM on JDK 22+, from {@code src/main/java22}, packaged in the jar's
 * {@code META-INF/versions/22}) are interchangeable for everything above it.
 */
package io.jmio.sys;
