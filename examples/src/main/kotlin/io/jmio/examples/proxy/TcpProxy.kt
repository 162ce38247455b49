package io.jmio.examples.proxy

import io.jmio.coroutines.TcpStream
import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.FairShare
import io.jmio.examples.server.Serve
import io.jmio.net.Shutdown
import java.io.IOException
import java.io.PrintStream
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * A TCP proxy on coroutines: each client connection gets its own connection to [upstream] and two
 * pumps, one per direction.
 *
 * - The upstream connect has a timeout; a client whose upstream cannot be reached is closed.
 * - Half-close passes through: when one side finishes sending (EOF), the proxy shuts down the
 *   other side's output and keeps the opposite direction flowing until it ends too.
 * - Each pump has one fixed buffer and writes all of it before reading again, so a slow reader
 *   slows the sender down through TCP flow control: memory never grows with the transfer.
 * - When a connection ends, one line with both byte counts goes to [log].
 */
class TcpProxy(
    private val upstream: InetSocketAddress,
    private val connectTimeoutMillis: Long = 5_000,
    private val bufferSize: Int = 64 * 1024,
    private val log: PrintStream = System.err,
) {
    fun start(address: InetSocketAddress, threads: Int): CoroutineServer =
        CoroutineServer.start(address, threads) { client -> relay(client) }

    /** Relays between [client] and a new upstream connection until both directions have ended. */
    suspend fun relay(client: TcpStream) {
        val from = Serve.format(client.peerAddress)
        val server = try {
            withTimeout(connectTimeoutMillis) { TcpStream.connect(upstream) }
        } catch (e: TimeoutCancellationException) {
            log.println("proxy $from: upstream ${Serve.format(upstream)} did not answer within $connectTimeoutMillis ms")
            return
        } catch (e: IOException) {
            log.println("proxy $from: upstream ${Serve.format(upstream)}: ${e.message}")
            return
        }
        val up = Pump(bufferSize)
        val down = Pump(bufferSize)
        val started = System.nanoTime()
        var outcome = "closed"
        try {
            server.use {
                coroutineScope {
                    launch { up.run(client, server) }
                    down.run(server, client)
                }
            }
        } catch (e: IOException) {
            outcome = "failed (${e.message})"
            throw e
        } finally {
            val millis = (System.nanoTime() - started) / 1_000_000
            log.println("proxy $from <-> ${Serve.format(upstream)} $outcome after $millis ms: " +
                "${up.bytes} bytes up, ${down.bytes} bytes down")
        }
    }

    /** Copies one direction through one buffer, and passes the end of stream on as a half-close. */
    private class Pump(bufferSize: Int) {
        private val buffer: ByteBuffer = ByteBuffer.allocateDirect(bufferSize)

        /** Read by the log line once both pumps (coroutines on the same loop) are done. */
        var bytes = 0L
            private set

        suspend fun run(source: TcpStream, sink: TcpStream) {
            val fairShare = FairShare()
            while (true) {
                buffer.clear()
                val n = source.read(buffer)
                if (n < 0) {
                    sink.shutdown(Shutdown.WRITE)
                    return
                }
                buffer.flip()
                sink.writeFully(buffer)
                bytes += n
                if (fairShare.shouldYield(n, buffer.capacity())) yield()
            }
        }
    }
}
