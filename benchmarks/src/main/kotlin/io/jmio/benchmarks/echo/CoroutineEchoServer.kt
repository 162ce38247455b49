package io.jmio.benchmarks.echo

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * jmio coroutine echo server for the comparison, written as the README tells users to: one
 * [runEventLoop] thread, an accept loop, one coroutine per connection with a 16 KiB direct buffer.
 * The harness's "jmio coroutines" rows start it (with `-Djmio.backend=jna` or `ffm`), and with
 * `--read-timeout-ms N` the row that prices `withTimeout` around every read.
 */
public object CoroutineEchoServer {
    private const val BUFFER_SIZE = 16 * 1024

    @JvmStatic
    public fun main(args: Array<String>) {
        val port = EchoServerArgs.port(args)
        val readTimeoutMillis = EchoServerArgs.longOption(args, "--read-timeout-ms", 0)
        runEventLoop {
            TcpListener.bind(InetSocketAddress(InetAddress.getLoopbackAddress(), port)).use { server ->
                EchoServerArgs.announce(server.localAddress)
                while (true) {
                    val conn = server.accept()
                    launch { conn.use { echo(it, readTimeoutMillis) } }
                }
            }
        }
    }

    /** Echoes until end of stream; with [readTimeoutMillis] > 0, every read runs inside `withTimeout`. */
    private suspend fun echo(conn: TcpStream, readTimeoutMillis: Long) {
        conn.socket.setNoDelay(true) // as the NIO and Netty servers do
        val buffer = ByteBuffer.allocateDirect(BUFFER_SIZE)
        try {
            while ((if (readTimeoutMillis > 0) withTimeout(readTimeoutMillis) { conn.read(buffer) } else conn.read(buffer)) >= 0) {
                buffer.flip()
                conn.writeFully(buffer)
                buffer.clear()
            }
        } catch (_: IOException) {
            // A reset connection ends only its own coroutine; the scope must not fail the server.
        }
    }
}
