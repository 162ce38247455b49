package io.jmio.examples.echo

import io.jmio.coroutines.TcpStream
import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.FairShare
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.yield

/**
 * The echo server on coroutines: each connection is a plain loop that reads and writes back, and
 * suspends instead of blocking. A connection that sends faster than it reads is slowed down by
 * its own writes (one buffer per connection, never more memory).
 */
object CoroutineEcho {
    fun start(address: InetSocketAddress, threads: Int): CoroutineServer =
        CoroutineServer.start(address, threads) { conn -> echo(conn) }

    suspend fun echo(conn: TcpStream) {
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
