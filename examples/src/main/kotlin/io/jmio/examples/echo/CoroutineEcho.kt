package io.jmio.examples.echo

import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.FairShare
import io.jmio.examples.server.ServerConnection
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import javax.net.ssl.SSLContext
import kotlinx.coroutines.yield

/**
 * The echo server on coroutines: each connection is a plain loop that reads and writes back, and
 * suspends instead of blocking. A connection that sends faster than it reads is slowed down by
 * its own writes (one buffer per connection, never more memory). The same loop serves TLS.
 */
object CoroutineEcho {
    /** Serves echo on [address]; over TLS with [tls] (`echo --tls`), each connection handshaking first. */
    @JvmOverloads
    fun start(address: InetSocketAddress, threads: Int, tls: SSLContext? = null): CoroutineServer =
        CoroutineServer.start(address, threads, tls) { conn -> echo(conn) }

    /** Echoes [conn] until its end of stream (over TLS, the peer's `close_notify`). */
    suspend fun echo(conn: ServerConnection) {
        val buffer = ByteBuffer.allocateDirect(64 * 1024)
        val fairShare = FairShare()
        while (true) {
            val n = conn.read(buffer)
            if (n < 0) return
            buffer.flip()
            conn.writeFully(buffer)
            buffer.clear()
            if (fairShare.shouldYield(n, buffer.capacity())) yield()
        }
    }
}
