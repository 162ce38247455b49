package io.jmio.examples.http

import io.jmio.coroutines.tls.TlsConfig
import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.FairShare
import io.jmio.examples.server.ServerConnection
import io.jmio.examples.server.shutdownAndDrain
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import javax.net.ssl.SSLContext
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield

/**
 * The HTTP/1.1 hello server on coroutines: one coroutine per connection drives an [HttpSession]
 * with two direct buffers, answering each read's pipelined requests with one write.
 *
 * A connection idle for [idleTimeoutMillis] is closed by a watchdog coroutine that wakes once per
 * timeout period, not per request, so the request path sets no timer.
 */
class CoroutineHttpServer(
    private val idleTimeoutMillis: Long = 30_000,
    private val date: HttpDate = HttpDate(),
) {
    /**
     * Serves [address]; over TLS with [tls] (`http --tls`, HTTPS), selecting `http/1.1` by ALPN
     * for the clients that offer it.
     */
    @JvmOverloads
    fun start(address: InetSocketAddress, threads: Int, tls: SSLContext? = null): CoroutineServer =
        CoroutineServer.start(address, threads, tls, TlsConfig(applicationProtocols = listOf("http/1.1"))) { conn -> serve(conn) }

    private suspend fun serve(conn: ServerConnection) = coroutineScope {
        val input = ByteBuffer.allocateDirect(INPUT_SIZE)
        val output = ByteBuffer.allocateDirect(OUTPUT_SIZE)
        val session = HttpSession(date)
        val activity = Activity()
        val watchdog = launch { closeWhenIdle(conn, activity) }
        val fairShare = FairShare()
        while (true) {
            val room = input.remaining()
            val n = conn.read(input)
            if (n < 0) break
            activity.lastNanos = System.nanoTime()
            input.flip()
            while (true) {
                session.process(input, output)
                if (output.position() == 0) break
                output.flip()
                conn.writeFully(output)
                output.clear()
            }
            input.compact()
            if (session.isClosing) {
                conn.shutdownAndDrain(input)
                break
            }
            if (fairShare.shouldYield(n, room)) yield()
        }
        watchdog.cancel()
    }

    /** When the connection last read; a plain field, as the reader and its watchdog share the loop's thread. */
    private class Activity {
        var lastNanos = System.nanoTime()
    }

    private suspend fun closeWhenIdle(conn: ServerConnection, activity: Activity) {
        val timeoutNanos = idleTimeoutMillis * 1_000_000
        while (true) {
            val idle = System.nanoTime() - activity.lastNanos
            if (idle >= timeoutNanos) {
                conn.close() // the reader resumes with AsynchronousCloseException and the connection ends
                return
            }
            delay((timeoutNanos - idle) / 1_000_000 + 1)
        }
    }

    companion object {
        /** Room for a full request head ([HttpSession.MAX_HEAD]) and what follows it. */
        private const val INPUT_SIZE = 16 * 1024
        private const val OUTPUT_SIZE = 16 * 1024
    }
}
