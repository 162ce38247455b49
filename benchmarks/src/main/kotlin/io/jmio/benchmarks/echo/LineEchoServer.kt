package io.jmio.benchmarks.echo

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.reader
import io.jmio.coroutines.runEventLoop
import io.jmio.coroutines.writer
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import kotlinx.coroutines.launch

/**
 * jmio line echo server for the harness's lines suite, written as README's "Buffered I/O" tells
 * users to: one [runEventLoop] thread, an accept loop, and per connection a `StreamReader` and
 * `StreamWriter` that echo each line with `readLine`, `writeString`, a `'\n'` and `flush`.
 */
public object LineEchoServer {
    @JvmStatic
    public fun main(args: Array<String>) {
        val port = EchoServerArgs.port(args)
        runEventLoop {
            TcpListener.bind(InetSocketAddress(InetAddress.getLoopbackAddress(), port)).use { server ->
                EchoServerArgs.announce(server.localAddress)
                while (true) {
                    val conn = server.accept()
                    launch {
                        conn.use {
                            try {
                                val input = it.reader()
                                val output = it.writer()
                                while (true) {
                                    val line = input.readLine() ?: break
                                    output.writeString(line)
                                    output.writeByte(LF)
                                    output.flush()
                                }
                            } catch (_: IOException) {
                                // A reset connection ends only its own coroutine; the scope must not fail the server.
                            }
                        }
                    }
                }
            }
        }
    }

    private const val LF = '\n'.code.toByte()
}
