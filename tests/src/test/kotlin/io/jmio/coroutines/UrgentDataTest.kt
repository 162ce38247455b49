package io.jmio.coroutines

import io.jmio.testing.fd
import io.jmio.testing.send
import io.jmio.testing.setOobInline
import io.jmio.testing.writtenBytes
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.net.Socket
import java.nio.ByteBuffer
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout

/**
 * TCP urgent data stops a Linux read short at the urgent mark, with more queued behind it and no
 * new edge to come: the short-read shortcut must not park there. A peer (java.net.Socket, whose
 * sendUrgentData sends one byte with MSG_OOB) sends urgent data to an accepted coroutine stream,
 * with and without SO_OOBINLINE on the receiving side. Every read is bounded: a stall fails.
 */
class UrgentDataTest : FunSpec({
    timeout = 60_000

    for (inline in listOf(false, true)) {
        val oob = if (inline) "SO_OOBINLINE" else "urgent byte out of band"
        /** What the receiver reads of AAAA, urgent B, CCCC: the urgent byte only when inline. */
        val echoed = if (inline) "AAAABCCCC" else "AAAACCCC"

        test("$oob: AAAA, urgent B, CCCC queued before the first read all arrive") {
            withUrgentPeer(inline) { peer, conn ->
                peer.send("AAAA", urgent = 'B', then = "CCCC")
                delay(100) // all of it is queued, in one or more edges, before the stream reads
                conn.readExpecting(echoed)
            }
        }

        test("$oob: AAAA, urgent B, CCCC sent while a read waits all arrive") {
            withUrgentPeer(inline) { peer, conn ->
                coroutineScope {
                    val read = async { conn.readExpecting(echoed) }
                    delay(50) // the first read is parked when the data comes
                    peer.send("AAAA", urgent = 'B', then = "CCCC")
                    read.await()
                }
            }
        }

        test("$oob: AAAA then an urgent B with nothing behind it, then more later") {
            withUrgentPeer(inline) { peer, conn ->
                peer.send("AAAA", urgent = 'B')
                delay(100)
                conn.readExpecting(if (inline) "AAAAB" else "AAAA")
                peer.send("DD")
                conn.readExpecting("DD")
            }
        }

        test("$oob: an urgent byte alone, then ordinary data") {
            withUrgentPeer(inline) { peer, conn ->
                peer.send("", urgent = 'B')
                delay(100)
                if (inline) conn.readExpecting("B")
                peer.send("CCCC")
                conn.readExpecting("CCCC")
            }
        }
    }
})

/** A java.net client connected to an accepted coroutine stream, SO_OOBINLINE on the stream if [inline]. */
private fun withUrgentPeer(inline: Boolean, block: suspend (peer: Socket, conn: TcpStream) -> Unit) = runEventLoop {
    TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
        Socket(server.localAddress.address, server.localAddress.port).use { peer ->
            peer.tcpNoDelay = true // each send its own segment, as a telnet client's keystrokes are
            server.accept().use { conn ->
                if (inline) setOobInline(conn.socket.fd())
                block(peer, conn)
            }
        }
    }
}

/** Reads until [expected]'s length arrived, all of it within 2 s, and checks the bytes. */
private suspend fun TcpStream.readExpecting(expected: String) {
    val buf = ByteBuffer.allocateDirect(64)
    try {
        withTimeout(2_000) {
            while (buf.position() < expected.length) {
                check(read(buf) >= 0) { "end of stream after ${String(buf.writtenBytes())}" }
            }
        }
    } catch (stall: TimeoutCancellationException) {
        error("stalled after ${String(buf.writtenBytes())} of $expected for 2 s")
    }
    withClue("received") { String(buf.writtenBytes()) shouldBe expected }
}
