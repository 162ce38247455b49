package io.jmio.unix

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.net.Shutdown
import io.jmio.testing.UnixTesting.JdkUnixServer
import io.jmio.testing.UnixTesting.Readiness
import io.jmio.testing.UnixTesting.DATA1
import io.jmio.testing.UnixTesting.DATA2
import io.jmio.testing.UnixTesting.withStreamPair
import io.jmio.testing.UnixTesting.direct
import io.jmio.testing.UnixTesting.expectEvents
import io.jmio.testing.UnixTesting.expectNoEvents
import io.jmio.testing.UnixTesting.isCloseOnExec
import io.jmio.testing.UnixTesting.isNonBlocking
import io.jmio.testing.UnixTesting.readAtLeast
import io.jmio.testing.UnixTesting.retryUntilDone
import io.jmio.testing.UnixTesting.withTempDir
import io.jmio.testing.UnixTesting.written
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.IOException
import java.net.ConnectException
import java.net.SocketException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

private const val TOKEN_1 = 0L
private const val TOKEN_2 = 1L

class UnixStreamTest : FunSpec({
    timeout = 60_000L

    lateinit var poll: Poll
    lateinit var events: Events
    beforeTest {
        poll = Poll.open()
        events = Events.withCapacity(16)
    }
    afterTest { poll.close() }

    /**
     * The start of mio's shutdown tests: connected to a JDK echo server, registered for both
     * directions, DATA1 written and its echo announced by a readable event.
     */
    fun withEchoedStream(block: (UnixStream) -> Unit) {
        withTempDir { dir ->
            JdkUnixServer.echo(dir.resolve("echo")).use { server ->
                UnixStream.connect(server.path).use { stream ->
                    poll.registry().register(stream, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE))
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
                    stream.write(direct(DATA1))
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    block(stream)
                }
            }
        }
    }

    test("smoke: connect, echo, vectored write and read, against a JDK echo server") {
        withTempDir { dir ->
            JdkUnixServer.echo(dir.resolve("echo")).use { server ->
                UnixStream.connect(server.path).use { stream ->
                    isNonBlocking(stream.rawFd()).shouldBeTrue()
                    isCloseOnExec(stream.rawFd()).shouldBeTrue()
                    poll.registry().register(stream, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE))
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)

                    val buffer = ByteBuffer.allocateDirect(64)
                    stream.read(buffer) shouldBe 0

                    stream.write(direct(DATA1)) shouldBe DATA1.size
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    readAtLeast(poll, events, buffer, DATA1.size, stream::read)
                    buffer.written() shouldBe DATA1
                    stream.takeError().shouldBeNull()
                    stream.read(buffer.clear()) shouldBe 0

                    stream.write(arrayOf(direct(DATA1), direct(DATA2))) shouldBe (DATA1.size + DATA2.size).toLong()
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    val first = ByteBuffer.allocateDirect(DATA1.size)
                    val second = ByteBuffer.allocateDirect(DATA2.size + 1).put(DATA2.size, 2)
                    var total = 0L
                    while (total < DATA1.size + DATA2.size) {
                        total += retryUntilDone(poll, events) { stream.read(arrayOf(first, second)) }
                    }
                    total shouldBe (DATA1.size + DATA2.size).toLong()
                    first.written() shouldBe DATA1
                    second.written() shouldBe DATA2
                    second.get(DATA2.size) shouldBe 2.toByte() // the last byte is untouched
                }
            }
        }
    }

    test("connect gives writable, then readable once the peer closes") {
        withTempDir { dir ->
            // The server closes only after the writable event, or both would arrive as one event.
            val writableSeen = CountDownLatch(1)
            JdkUnixServer(dir.resolve("s"), 1) { writableSeen.await(10, TimeUnit.SECONDS) }.use { server ->
                UnixStream.connect(server.path).use { stream ->
                    poll.registry().register(stream, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE))
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
                    writableSeen.countDown()
                    server.join() // it accepted and closed the connection
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    stream.read(ByteBuffer.allocate(8)) shouldBe -1
                }
            }
        }
    }

    test("pair: what one end writes the other reads at once") {
        withStreamPair { s1, s2 ->
            poll.registry().register(s1, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE))
            poll.registry().register(s2, TOKEN_2, Interest.READABLE.add(Interest.WRITABLE))
            expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE, TOKEN_2 to Readiness.WRITABLE)
            val buffer = ByteBuffer.allocate(64)
            s1.read(buffer) shouldBe 0

            s1.write(ByteBuffer.wrap(DATA1)) shouldBe DATA1.size
            s2.read(buffer) shouldBe DATA1.size
            buffer.written() shouldBe DATA1
            s2.read(buffer.clear()) shouldBe 0

            s2.write(DATA2, 0, DATA2.size) shouldBe DATA2.size
            val bytes = ByteArray(64)
            s1.read(bytes, 0, bytes.size) shouldBe DATA2.size
            bytes.copyOf(DATA2.size) shouldBe DATA2
            s1.read(bytes, 0, bytes.size) shouldBe 0
        }
    }

    test("pair ends are unnamed on both sides") {
        withStreamPair { s1, s2 ->
            s1.localAddress().isUnnamed.shouldBeTrue()
            s1.peerAddress().isUnnamed.shouldBeTrue()
        }
    }

    test("a client's peer address is the listener's path and its local address is unnamed") {
        withTempDir { dir ->
            JdkUnixServer.echo(dir.resolve("echo")).use { server ->
                UnixStream.connect(server.path).use { stream ->
                    stream.peerAddress().path() shouldBe server.path
                    stream.peerAddress() shouldBe UnixSocketAddress.of(server.path)
                    stream.localAddress().isUnnamed.shouldBeTrue()
                }
            }
        }
    }

    test("shutdown(READ) gives read-closed") {
        withEchoedStream { stream ->
            stream.shutdown(Shutdown.READ)
            expectEvents(poll, events, TOKEN_1 to Readiness.READ_CLOSED)
        }
    }

    test("shutdown(WRITE) makes writes fail with a broken pipe while the echo can still be read") {
        withEchoedStream { stream ->
            stream.shutdown(Shutdown.WRITE)
            val e = shouldThrow<SocketException> { stream.write(direct(DATA2)) }
            e.message shouldContain "Broken pipe (EPIPE)"
            val buffer = ByteBuffer.allocateDirect(64)
            readAtLeast(poll, events, buffer, DATA1.size, stream::read)
            buffer.written() shouldBe DATA1
        }
    }

    test("shutdown(BOTH) gives write-closed and writes fail with a broken pipe") {
        withEchoedStream { stream ->
            stream.shutdown(Shutdown.BOTH)
            expectEvents(poll, events, TOKEN_1 to Readiness.WRITE_CLOSED)
            shouldThrow<SocketException> { stream.write(direct(DATA2)) }.message shouldContain "EPIPE"
        }
    }

    test("the peer's shutdown(WRITE) gives read-closed and end of stream") {
        withStreamPair { s1, s2 ->
            poll.registry().register(s1, TOKEN_1, Interest.READABLE)
            s2.shutdown(Shutdown.WRITE)
            expectEvents(poll, events, TOKEN_1 to Readiness.READ_CLOSED)
            s1.read(ByteBuffer.allocate(4)) shouldBe -1
        }
    }

    test("a closed peer listener connection gives read-closed (mio's shutdown_listener_write)") {
        withTempDir { dir ->
            val release = CountDownLatch(1)
            JdkUnixServer(dir.resolve("s"), 1) { release.await(10, TimeUnit.SECONDS) }.use { server ->
                UnixStream.connect(server.path).use { stream ->
                    poll.registry().register(stream, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE))
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
                    release.countDown()
                    expectEvents(poll, events, TOKEN_1 to Readiness.READ_CLOSED)
                }
            }
        }
    }

    test("writing after the peer closed fails with a broken pipe, not a signal") {
        val (s1, s2) = UnixStream.pair()
        s1.use {
            s2.close()
            val e = shouldThrow<SocketException> { s1.write(direct(DATA1)) }
            e.message shouldBe "write: Broken pipe (EPIPE)"
        }
    }

    test("registered for reads with nothing to read gives no events") {
        withTempDir { dir ->
            JdkUnixServer.echo(dir.resolve("echo")).use { server ->
                UnixStream.connect(server.path).use { stream ->
                    poll.registry().register(stream, TOKEN_1, Interest.READABLE)
                    expectNoEvents(poll, events)
                }
            }
        }
    }

    test("reregister replaces readable interest with writable") {
        withTempDir { dir ->
            JdkUnixServer.echo(dir.resolve("echo")).use { server ->
                UnixStream.connect(server.path).use { stream ->
                    poll.registry().register(stream, TOKEN_1, Interest.READABLE)
                    poll.registry().reregister(stream, TOKEN_2, Interest.WRITABLE)
                    expectEvents(poll, events, TOKEN_2 to Readiness.WRITABLE)
                }
            }
        }
    }

    test("after deregister no events arrive") {
        withTempDir { dir ->
            JdkUnixServer.echo(dir.resolve("echo")).use { server ->
                UnixStream.connect(server.path).use { stream ->
                    poll.registry().register(stream, TOKEN_1, Interest.WRITABLE)
                    poll.registry().deregister(stream)
                    expectNoEvents(poll, events)
                }
            }
        }
    }

    test("closing a registered stream removes it from the poll") {
        val (s1, s2) = UnixStream.pair()
        s2.use {
            s2.write(direct(DATA1))
            poll.registry().register(s1, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE)) // ready both ways
            s1.close()
            expectNoEvents(poll, events)
        }
    }

    test("16 MiB through a pair, draining each side until it would block") {
        withStreamPair { a, b ->
            poll.registry().register(a, TOKEN_1, Interest.WRITABLE)
            poll.registry().register(b, TOKEN_2, Interest.READABLE)
            val total = 16 shl 20
            val out = ByteBuffer.allocateDirect(64 * 1024).limit(0)
            val input = ByteBuffer.allocateDirect(64 * 1024)
            var sent = 0
            var received = 0
            var expected = 0
            var mismatch = false
            val deadline = System.nanoTime() + 30_000_000_000L
            while (received < total) {
                check(System.nanoTime() < deadline) { "transfer stalled at $received of $total" }
                poll.poll(events, 1_000L)
                while (sent < total) {
                    if (!out.hasRemaining()) {
                        out.clear()
                        for (i in 0 until minOf(out.capacity(), total - sent)) out.put((sent + i).toByte())
                        out.flip()
                    }
                    val n = a.write(out)
                    if (n == 0) break
                    sent += n
                }
                while (true) {
                    val n = b.read(input.clear())
                    if (n <= 0) break
                    for (i in 0 until n) if (input.get(i) != expected++.toByte()) mismatch = true
                    received += n
                }
            }
            received shouldBe total
            mismatch.shouldBeFalse()
        }
    }

    test("heap buffers larger than the bounce buffer are written in parts") {
        withStreamPair { a, b ->
            a.setOption(StandardSocketOptions.SO_SNDBUF, 1 shl 20)
            val big = ByteBuffer.wrap(ByteArray(200_000) { it.toByte() })
            val n = a.write(big)
            n shouldBeGreaterThan 0
            n shouldBeLessThanOrEqual 64 * 1024
            big.position() shouldBe n
            val into = ByteBuffer.allocate(n)
            b.read(into) shouldBe n
            into.array() shouldBe ByteArray(n) { it.toByte() }
        }
    }

    test("connecting to a missing path names the path and ENOENT") {
        withTempDir { dir ->
            val missing = dir.resolve("nobody-here")
            val e = shouldThrow<IOException> { UnixStream.connect(missing) }
            e.message shouldContain missing.toString()
            e.message shouldContain "ENOENT"
        }
    }

    test("connecting to a socket file nobody listens on is refused") {
        withTempDir { dir ->
            val path = dir.resolve("stale")
            UnixListener.bind(path).close() // the file stays behind
            val e = shouldThrow<ConnectException> { UnixStream.connect(path) }
            e.message shouldContain "ECONNREFUSED"
        }
    }

    test("connect to the unnamed address is rejected before any syscall") {
        shouldThrow<IllegalArgumentException> { UnixStream.connect(UnixSocketAddress.unnamed()) }
    }

    test("read-only buffers and bad ranges are rejected") {
        withStreamPair { a, b ->
            shouldThrow<IllegalArgumentException> { a.read(ByteBuffer.allocate(4).asReadOnlyBuffer()) }
            shouldThrow<IllegalArgumentException> { a.read(ByteBuffer.allocateDirect(4).asReadOnlyBuffer()) }
            shouldThrow<IllegalArgumentException> { a.read(arrayOf(ByteBuffer.allocateDirect(4).asReadOnlyBuffer())) }
            shouldThrow<IndexOutOfBoundsException> { a.read(ByteArray(4), 2, 3) }
            shouldThrow<IndexOutOfBoundsException> { a.write(ByteArray(4), -1, 1) }
            shouldThrow<IndexOutOfBoundsException> { a.read(arrayOf(ByteBuffer.allocate(1)), 1, 1) }
            shouldThrow<IndexOutOfBoundsException> { a.write(arrayOf(ByteBuffer.allocate(1)), 0, 2) }
        }
    }

    test("a closed stream throws ClosedChannelException and close is idempotent") {
        val (a, b) = UnixStream.pair()
        b.use {
            a.close()
            a.close()
            a.isOpen.shouldBeFalse()
            shouldThrow<ClosedChannelException> { a.read(ByteBuffer.allocate(1)) }
            shouldThrow<ClosedChannelException> { a.write(ByteBuffer.allocate(1)) }
            shouldThrow<ClosedChannelException> { a.write(arrayOf(ByteBuffer.allocateDirect(1))) }
            shouldThrow<ClosedChannelException> { a.shutdown(Shutdown.BOTH) }
            shouldThrow<ClosedChannelException> { a.peerAddress() }
            shouldThrow<ClosedChannelException> { a.localAddress() }
            shouldThrow<ClosedChannelException> { a.takeError() }
            shouldThrow<ClosedChannelException> { a.rawFd() }
            shouldThrow<ClosedChannelException> { a.getOption(StandardSocketOptions.SO_SNDBUF) }
            shouldThrow<ClosedChannelException> { a.sendWithFds(direct(DATA1), IntArray(0)) }
            shouldThrow<ClosedChannelException> { poll.registry().register(a, TOKEN_1, Interest.READABLE) }
            a.toString() shouldContain "closed"
        }
    }

    test("buffer sizes can be set and read back; TCP options do not apply") {
        withStreamPair { a, b ->
            a.setOption(StandardSocketOptions.SO_RCVBUF, 65536).getOption(StandardSocketOptions.SO_RCVBUF) shouldBeGreaterThan 0
            a.setOption(StandardSocketOptions.SO_SNDBUF, 65536)
            // Linux doubles the value for bookkeeping overhead
            a.getOption(StandardSocketOptions.SO_SNDBUF) shouldBe 131072
            shouldThrow<UnsupportedOperationException> { a.setOption(StandardSocketOptions.TCP_NODELAY, true) }
        }
    }

    test("streams connect to abstract names") {
        val name = UnixSocketAddress.abstractName("jmio-stream-test-" + ProcessHandle.current().pid())
        UnixListener.bind(name).use { listener ->
            UnixStream.connect(name).use { client ->
                client.peerAddress() shouldBe name
                val accepted = retryUntilDone(poll, events) { if (listener.accept()?.also { it.close() } != null) 1 else 0 }
                accepted shouldBe 1
            }
        }
    }
})
