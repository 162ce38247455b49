/**
 * Internal: the native boundary. Not public API; it may change in any release.
 *
 * <p>This is the only package that knows JNA, errno values, struct layouts and Linux constants.
 * Its contract, {@link io.jmio.sys.Syscalls}, takes primitives and raw addresses and returns
 * {@code >= 0} on success or {@code -errno} on failure, so that a second backend (the JDK's
 * Foreign Function API) can replace the JNA one without touching anything above it.
 */
package io.jmio.sys;
