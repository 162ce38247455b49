package io.jmio.net

import io.jmio.testing.acceptWithin
import io.jmio.testing.fd
import io.jmio.testing.localV4
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.io.File
import java.net.Socket
import java.net.SocketException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.file.Files

/**
 * Linux blocks close(2) of a socket with a positive SO_LINGER until the peer has acknowledged
 * everything, non-blocking or not; jmio's close must not (it runs on event-loop threads). The peer
 * here never reads, so a lingering close would wait out the whole 3 s.
 */
class LingerCloseTest : FunSpec({
    timeout = 60_000

    test("SO_LINGER 3 s on the stream: close returns at once, the fd is gone, the peer still gets every byte then end of stream") {
        withStuckPeer(listenerLinger = null) { stream, peer ->
            stream.setOption(StandardSocketOptions.SO_LINGER, 3)
            val queued = fillSendBuffer(stream)
            closePromptly(stream)
            peer.soTimeout = 10_000
            peer.getInputStream().readAllBytes().size shouldBe queued
        }
    }

    test("SO_LINGER 3 s inherited from the listener: close returns at once") {
        withStuckPeer(listenerLinger = 3) { stream, peer ->
            stream.getOption(StandardSocketOptions.SO_LINGER) shouldBe 3 // Linux copies it to accepted sockets
            val queued = fillSendBuffer(stream)
            closePromptly(stream)
            peer.soTimeout = 10_000
            peer.getInputStream().readAllBytes().size shouldBe queued
        }
    }

    test("SO_LINGER 0 still closes abortively: the peer sees a reset") {
        withStuckPeer(listenerLinger = null) { stream, peer ->
            stream.setOption(StandardSocketOptions.SO_LINGER, 0)
            fillSendBuffer(stream)
            closePromptly(stream)
            peer.soTimeout = 10_000
            shouldThrow<SocketException> { peer.getInputStream().readAllBytes() }.message shouldBe "Connection reset"
        }
    }
})

/** An accepted jmio stream whose java.net peer has a small receive buffer and does not read. */
private fun withStuckPeer(listenerLinger: Int?, body: (stream: TcpStream, peer: Socket) -> Unit) {
    TcpListener.bind(localV4()).use { listener ->
        if (listenerLinger != null) listener.setOption(StandardSocketOptions.SO_LINGER, listenerLinger)
        Socket().use { peer ->
            peer.receiveBufferSize = 4096 // before connect, so that the window stays small
            peer.connect(listener.localAddress())
            val stream = acceptWithin(listener)
            try {
                stream.setOption(StandardSocketOptions.SO_SNDBUF, 4096)
                body(stream, peer)
            } finally {
                stream.close()
            }
        }
    }
}

/** Writes until the kernel takes no more (the peer reads nothing); the bytes queued. */
internal fun fillSendBuffer(stream: io.jmio.net.TcpStream): Int {
    val chunk = ByteBuffer.allocateDirect(64 * 1024)
    var queued = 0
    repeat(1_000) {
        chunk.clear()
        val n = stream.write(chunk)
        if (n == 0) return queued
        queued += n
    }
    error("the send buffer never filled: $queued bytes queued")
}

/** Closes [stream], failing if that takes a second or more, and checks its fd is closed at once. */
internal fun closePromptly(stream: io.jmio.net.TcpStream) {
    val fd = stream.fd()
    val link = File("/proc/self/fd/$fd").toPath()
    val socket = Files.readSymbolicLink(link).toString()
    val start = System.nanoTime()
    stream.close()
    (System.nanoTime() - start) / 1_000_000 shouldBeLessThan 1_000L
    (runCatching { Files.readSymbolicLink(link).toString() }.getOrNull()) shouldNotBe socket
}
