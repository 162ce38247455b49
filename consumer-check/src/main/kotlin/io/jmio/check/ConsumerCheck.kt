// What a user's first program does with jmio's published jars: the readiness core directly, then
// an echo over loopback through the coroutine sockets. Exits non-zero unless both work on the
// backend named by the argument.
package io.jmio.check

import io.jmio.Events
import io.jmio.Jmio
import io.jmio.Poll
import io.jmio.Waker
import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.time.Duration
import kotlin.system.exitProcess
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

private const val WAKER_TOKEN = 7L
private const val MESSAGE = "consumer check"

fun main(args: Array<String>) {
    val expected = args.singleOrNull() ?: error("usage: ConsumerCheckKt jna|ffm")
    val backend = Jmio.backend()
    val woken = wakerEventArrives()
    val echoed = echoOverLoopback(MESSAGE)
    println("consumer check on JDK ${Runtime.version().feature()}: backend $backend (expected $expected)," +
        " waker event ${if (woken) "arrived" else "MISSING"}, echoed \"$echoed\"")
    if (backend != expected || !woken || echoed != MESSAGE) exitProcess(1)
}

private fun wakerEventArrives(): Boolean = Poll.open().use { poll ->
    Waker(poll.registry(), WAKER_TOKEN).use { waker ->
        waker.wake()
        val events = Events.withCapacity(8)
        poll.poll(events, Duration.ofSeconds(5))
        events.any { it.token() == WAKER_TOKEN }
    }
}

private fun echoOverLoopback(message: String): String = runEventLoop {
    withTimeout(10_000) {
        TcpListener.bind(InetSocketAddress("127.0.0.1", 0)).use { server ->
            val size = message.toByteArray().size
            launch {
                server.accept().use { conn ->
                    val buf = ByteBuffer.allocateDirect(size)
                    conn.readFully(buf)
                    buf.flip()
                    conn.writeFully(buf)
                }
            }
            TcpStream.connect(server.localAddress).use { client ->
                client.writeFully(ByteBuffer.wrap(message.toByteArray()))
                val reply = ByteBuffer.allocate(size)
                client.readFully(reply)
                String(reply.array())
            }
        }
    }
}
