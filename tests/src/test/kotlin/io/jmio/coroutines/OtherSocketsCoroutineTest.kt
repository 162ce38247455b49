package io.jmio.coroutines

import io.jmio.unix.UnixSocketAddress
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.nio.file.Files
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch

class OtherSocketsCoroutineTest : FunSpec({
    timeout = 60_000

    test("Unix listener and stream echo through a socket file") {
        val dir = Files.createTempDirectory("jmio-coro")
        try {
            runEventLoop {
                val path = dir.resolve("echo.sock")
                UnixListener.bind(path).use { server ->
                    val serverJob = launch { server.accept().use { c ->
                        val buf = ByteBuffer.allocateDirect(4096)
                        while (c.read(buf) >= 0) { buf.flip(); c.writeFully(buf); buf.clear() }
                    } }
                    UnixStream.connect(path).use { client ->
                        repeat(20) { round ->
                            val out = pattern(round, 10_000)
                            val expected = out.duplicate()
                            val writer = launch { client.writeFully(out) }
                            val back = ByteBuffer.allocateDirect(10_000)
                            client.readFully(back)
                            writer.join()
                            back.flip()
                            back shouldBe expected
                        }
                    }
                    serverJob.join()
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    test("a Unix stream pair carries bytes both ways, and end of stream after close") {
        runEventLoop {
            val (a, b) = UnixStream.pair()
            a.writeFully(ByteBuffer.wrap(byteArrayOf(1, 2, 3)))
            val buf = ByteBuffer.allocate(8)
            b.read(buf) shouldBe 3
            a.close()
            b.read(buf) shouldBe -1
            b.close()
        }
    }

    test("a pipe's reader suspends until the writer writes, then sees end of stream") {
        runEventLoop {
            val (sender, receiver) = openPipe()
            val buf = ByteBuffer.allocateDirect(64)
            val reader = async(start = CoroutineStart.UNDISPATCHED) { receiver.read(buf) }
            reader.isActive shouldBe true
            sender.writeFully(ByteBuffer.wrap("hello".toByteArray()))
            reader.await() shouldBe 5
            sender.close()
            buf.clear()
            receiver.read(buf) shouldBe -1
            receiver.close()
        }
    }

    test("a pipe writer suspends when the pipe is full and resumes as the reader drains it") {
        runEventLoop {
            val (sender, receiver) = openPipe()
            val total = 1 shl 20 // far beyond the 64 KiB pipe buffer
            val writer = launch { sender.writeFully(ByteBuffer.allocateDirect(total)); sender.close() }
            val buf = ByteBuffer.allocateDirect(8192)
            var got = 0
            while (true) {
                buf.clear()
                val n = receiver.read(buf)
                if (n < 0) break
                got += n
            }
            writer.join()
            got shouldBe total
            receiver.close()
        }
    }

    test("UDP datagrams round-trip, empty ones included, and a receive suspends until one arrives") {
        runEventLoop {
            UdpSocket.bind(InetSocketAddress("127.0.0.1", 0)).use { server ->
                UdpSocket.bind(InetSocketAddress("127.0.0.1", 0)).use { client ->
                    val echo = launch {
                        val buf = ByteBuffer.allocateDirect(2048)
                        repeat(3) {
                            buf.clear()
                            val from = server.receiveFrom(buf)
                            buf.flip()
                            server.sendTo(buf, from)
                        }
                    }
                    for (size in listOf(0, 1, 1500)) {
                        client.sendTo(ByteBuffer.allocateDirect(size), server.localAddress) shouldBe size
                        val back = ByteBuffer.allocateDirect(2048)
                        client.receiveFrom(back) shouldBe server.localAddress
                        back.position() shouldBe size
                    }
                    echo.join()
                }
            }
        }
    }

    test("a cancelled UDP receive leaves the socket usable; close resumes a waiting receive") {
        runEventLoop {
            val socket = UdpSocket.bind(InetSocketAddress("127.0.0.1", 0))
            val first = launch(start = CoroutineStart.UNDISPATCHED) { socket.receiveFrom(ByteBuffer.allocate(16)) }
            first.cancelAndJoin()
            UdpSocket.bind(InetSocketAddress("127.0.0.1", 0)).use { peer ->
                peer.sendTo(ByteBuffer.wrap(byteArrayOf(7)), socket.localAddress)
            }
            val buf = ByteBuffer.allocate(16)
            socket.receive(buf) shouldBe 1
            val waiting = async(start = CoroutineStart.UNDISPATCHED) {
                runCatching { socket.receive(ByteBuffer.allocate(16)) }.exceptionOrNull()
            }
            socket.close()
            waiting.await().shouldBeInstanceOf<AsynchronousCloseException>()
        }
    }

    test("Unix datagrams to an abstract name arrive from an unnamed sender") {
        runEventLoop {
            val name = UnixSocketAddress.abstractName("jmio-coro-" + System.nanoTime())
            UnixDatagram.bind(name).use { server ->
                UnixDatagram.unbound().use { client ->
                    client.sendTo(ByteBuffer.wrap(byteArrayOf(1, 2)), name) shouldBe 2
                    val buf = ByteBuffer.allocate(8)
                    server.receiveFrom(buf).isUnnamed shouldBe true
                    buf.position() shouldBe 2
                }
            }
        }
    }
})
