package io.jmio.net;

/**
 * Which halves of a connection {@code shutdown} closes, for TCP and Unix streams and Unix datagram
 * sockets.
 *
 * <pre>{@code
 * stream.shutdown(Shutdown.WRITE); // the peer reads end of stream; we can still read its reply
 * }</pre>
 */
public enum Shutdown {
    /** No more reads: further reads return end of stream. */
    READ,
    /** No more writes: the peer sees end of stream once it has read what was sent. */
    WRITE,
    /** Both directions. */
    BOTH
}
