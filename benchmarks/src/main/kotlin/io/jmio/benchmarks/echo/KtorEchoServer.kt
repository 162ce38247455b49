package io.jmio.benchmarks.echo

import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.network.sockets.toJavaAddress
import io.ktor.utils.io.readAvailable
import io.ktor.utils.io.writeFully
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.util.concurrent.Executors

/**
 * Ktor raw-socket echo server for the comparison: the accept loop, the selector and every
 * connection's coroutine share one single-threaded dispatcher. Ktor itself moves bytes between the
 * NIO channel and its `ByteChannel`s in reader/writer coroutines pinned to `Dispatchers.IO`
 * (hard-coded in ktor-network's CIOReader/CIOWriter), so those hops are part of what is measured.
 */
public fun main(args: Array<String>) {
    val port = EchoServerArgs.port(args)
    val dispatcher = Executors.newSingleThreadExecutor { Thread(it, "ktor-echo") }.asCoroutineDispatcher()
    runBlocking(dispatcher) {
        val selector = SelectorManager(dispatcher)
        val server = aSocket(selector).tcp().bind("127.0.0.1", port) { backlogSize = 1024 }
        EchoServerArgs.announce(server.localAddress.toJavaAddress())
        while (true) {
            val socket = server.accept()
            launch { echo(socket) }
        }
    }
}

private suspend fun echo(socket: Socket) {
    val input = socket.openReadChannel()
    val output = socket.openWriteChannel(autoFlush = false)
    val buffer = ByteArray(16 * 1024)
    try {
        while (true) {
            val n = input.readAvailable(buffer, 0, buffer.size)
            if (n < 0) break
            output.writeFully(buffer, 0, n)
            output.flush()
        }
    } catch (e: CancellationException) {
        throw e
    } catch (_: Exception) {
        // A reset connection ends only its own coroutine, never the server.
    } finally {
        socket.close()
    }
}
