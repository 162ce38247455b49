package io.jmio.examples.server

import io.jmio.coroutines.TcpStream
import io.jmio.net.Shutdown
import java.nio.ByteBuffer
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * Ends a connection politely before it is closed: stop sending, then read and drop what the peer
 * still sends, until it closes or [timeoutMillis] pass. Closing a socket with unread input makes
 * the kernel send a reset, which can destroy the last reply before the peer reads it
 * (RFC 9112 9.6 calls this lingering close).
 */
suspend fun TcpStream.shutdownAndDrain(scratch: ByteBuffer, timeoutMillis: Long = 2_000) {
    shutdown(Shutdown.WRITE)
    withTimeoutOrNull(timeoutMillis) {
        do scratch.clear() while (read(scratch) >= 0)
    }
}

/**
 * Lets the other coroutines on the loop run every [budget] calls of [tick]. A read on a socket
 * that has data returns without suspending, so a client that keeps its socket readable (a flood
 * of pipelined requests) would otherwise keep the loop, and every other connection on it, to
 * itself. Netty bounds reads per event-loop turn for the same reason.
 */
class FairShare(private val budget: Int = 16) {
    private var used = 0

    suspend fun tick() {
        if (++used >= budget) {
            used = 0
            yield()
        }
    }
}
