package io.jmio.examples.proxy

import io.jmio.coroutines.TcpStream
import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.Serve
import java.io.IOException
import java.io.PrintStream
import java.net.InetSocketAddress
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * A TCP proxy on coroutines: each client connection gets its own connection to [upstream] and two
 * copies, one per direction ([TcpStream.copyTo]).
 *
 * - The upstream connect has a timeout; a client whose upstream cannot be reached is closed.
 * - Half-close passes through: when one side finishes sending (EOF), the proxy shuts down the
 *   other side's output and keeps the opposite direction flowing until it ends too.
 * - Bytes go through one 64 KiB buffer per direction; with [zeroCopy], bulk transfers (reads that
 *   fill it) move through a kernel pipe instead (`splice(2)`) and never enter the JVM. Either way
 *   at most one buffer or pipe per direction is in flight, so a slow reader slows the sender down
 *   through TCP flow control: memory never grows with the transfer.
 * - When a connection ends, one line with both byte counts goes to [log].
 */
class TcpProxy(
    private val upstream: InetSocketAddress,
    private val connectTimeoutMillis: Long = 5_000,
    private val zeroCopy: Boolean = true,
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
        var up = "?"
        var down = "?"
        val started = System.nanoTime()
        var outcome = "closed"
        try {
            server.use {
                coroutineScope {
                    launch { up = client.copyTo(server, zeroCopy).toString() }
                    down = server.copyTo(client, zeroCopy).toString()
                }
            }
        } catch (e: IOException) {
            outcome = "failed (${e.message})"
            throw e
        } finally {
            val millis = (System.nanoTime() - started) / 1_000_000
            log.println("proxy $from <-> ${Serve.format(upstream)} $outcome after $millis ms: " +
                "$up bytes up, $down bytes down")
        }
    }
}
