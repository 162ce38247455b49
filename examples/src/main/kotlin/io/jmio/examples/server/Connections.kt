package io.jmio.examples.server

import io.jmio.coroutines.SuspendingRawSource
import io.jmio.coroutines.TcpStream
import io.jmio.net.Shutdown
import java.nio.ByteBuffer
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Ends a connection politely before it is closed: stop sending, then read and drop what the peer
 * still sends, until it closes or [timeoutMillis] pass. Closing a socket with unread input makes
 * the kernel send a reset, which can destroy the last reply before the peer reads it
 * (RFC 9112 9.6 calls this lingering close).
 */
suspend fun TcpStream.shutdownAndDrain(scratch: ByteBuffer, timeoutMillis: Long = 2_000) {
    shutdown(Shutdown.WRITE)
    drain(scratch, timeoutMillis)
}

/** [TcpStream.shutdownAndDrain] for a connection that may be TLS: `close_notify`, the FIN, then the drain. */
suspend fun ServerConnection.shutdownAndDrain(scratch: ByteBuffer, timeoutMillis: Long = 2_000) {
    shutdownOutput()
    drain(scratch, timeoutMillis)
}

private suspend fun SuspendingRawSource.drain(scratch: ByteBuffer, timeoutMillis: Long) {
    withTimeoutOrNull(timeoutMillis) {
        do scratch.clear() while (read(scratch) >= 0)
    }
}

/**
 * Lets the other coroutines on the loop run when one connection's socket never runs dry. A read
 * on a socket that has data returns without suspending, so a client that sends faster than it is
 * served (a flood of pipelined requests) would otherwise keep the loop, and every connection on
 * it, to itself. Netty's rule: a read that filled the buffer means more is waiting; after [budget]
 * such reads in a row, yield. A read that did not fill the buffer almost always drained the socket
 * (urgent data can stop one short), so the next one will suspend by itself: request-response
 * traffic never pays for a yield.
 */
class FairShare(private val budget: Int = 16) {
    private var fullReads = 0

    /**
     * Call after each read of [read] bytes into a buffer that had [room] bytes free; `yield()`
     * when it says so. (Not a suspend function itself: calling one allocates its continuation,
     * even when it does not suspend, and this is called for every read.)
     */
    fun shouldYield(read: Int, room: Int): Boolean {
        if (read < room) {
            fullReads = 0
            return false
        }
        if (++fullReads < budget) return false
        fullReads = 0
        return true
    }
}
