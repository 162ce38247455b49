/**
 * Unix domain sockets ({@link io.jmio.unix.UnixListener}, {@link io.jmio.unix.UnixStream},
 * {@link io.jmio.unix.UnixDatagram}, addressed by {@link io.jmio.unix.UnixSocketAddress}), pipes
 * ({@link io.jmio.unix.Pipe}) and borrowed fds ({@link io.jmio.unix.SourceFd}): the Linux-specific
 * sources of jmio, after mio's {@code net::Unix*} and {@code unix} modules. Every type here is a
 * non-blocking, close-on-exec {@link io.jmio.Source}; {@link io.jmio.unix.UnixStream} can also pass
 * file descriptors to another process.
 */
package io.jmio.unix;
