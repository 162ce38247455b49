package io.jmio.benchmarks.echo

import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.network.sockets.toJavaAddress
import io.ktor.utils.io.readUTF8Line
import io.ktor.utils.io.writeByte
import io.ktor.utils.io.writeStringUtf8
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.util.concurrent.Executors

/**
 * Ktor raw-socket line echo server for the lines suite: as [KtorEchoServer] (one single-threaded
 * dispatcher for the accept loop, the selector and the connections), echoing each line with
 * `readUTF8Line`, `writeStringUtf8`, a `'\n'` and `flush`.
 */
public fun main(args: Array<String>) {
    val port = EchoServerArgs.port(args)
    val dispatcher = Executors.newSingleThreadExecutor { Thread(it, "ktor-line-echo") }.asCoroutineDispatcher()
    runBlocking(dispatcher) {
        val selector = SelectorManager(dispatcher)
        val server = aSocket(selector).tcp().bind("127.0.0.1", port) { backlogSize = 1024 }
        EchoServerArgs.announce(server.localAddress.toJavaAddress())
        while (true) {
            val socket = server.accept()
            launch { echoLines(socket) }
        }
    }
}

private suspend fun echoLines(socket: Socket) {
    val input = socket.openReadChannel()
    val output = socket.openWriteChannel(autoFlush = false)
    try {
        while (true) {
            val line = input.readUTF8Line(64 * 1024) ?: break
            output.writeStringUtf8(line)
            output.writeByte('\n'.code.toByte())
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
