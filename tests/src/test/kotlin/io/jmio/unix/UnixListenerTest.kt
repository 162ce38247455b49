package io.jmio.unix

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.UnixTesting.Readiness
import io.jmio.testing.UnixTesting.expectEvents
import io.jmio.testing.UnixTesting.expectNoEvents
import io.jmio.testing.UnixTesting.isCloseOnExec
import io.jmio.testing.UnixTesting.isNonBlocking
import io.jmio.testing.UnixTesting.retryUntilDone
import io.jmio.testing.UnixTesting.withTempDir
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.IOException
import java.net.BindException
import java.net.StandardProtocolFamily
import java.net.StandardSocketOptions
import java.net.UnixDomainSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.nio.channels.SocketChannel
import java.nio.file.Files
import java.nio.file.Path

private const val TOKEN_1 = 0L

/** A blocking JDK client, independent of jmio's connect. */
private fun jdkConnect(path: Path): SocketChannel =
    SocketChannel.open(StandardProtocolFamily.UNIX).apply { connect(UnixDomainSocketAddress.of(path)) }

class UnixListenerTest : FunSpec({
    timeout = 60_000L

    lateinit var poll: Poll
    lateinit var events: Events
    beforeTest {
        poll = Poll.open()
        events = Events.withCapacity(16)
    }
    afterTest { poll.close() }

    test("smoke: no events until a client connects, then readable; accept drains to null") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("any")).use { listener ->
                isNonBlocking(listener.rawFd()).shouldBeTrue()
                isCloseOnExec(listener.rawFd()).shouldBeTrue()
                poll.registry().register(listener, TOKEN_1, Interest.WRITABLE.add(Interest.READABLE))
                expectNoEvents(poll, events)

                jdkConnect(dir.resolve("any")).use {
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    listener.accept().shouldNotBeNull().use { stream ->
                        isNonBlocking(stream.rawFd()).shouldBeTrue()
                        isCloseOnExec(stream.rawFd()).shouldBeTrue()
                        stream.read(ByteBuffer.allocate(64)) shouldBe 0
                    }
                    listener.accept().shouldBeNull()
                    listener.takeError().shouldBeNull()
                }
            }
        }
    }

    test("an accepted stream's local address is the path and its peer is unnamed") {
        withTempDir { dir ->
            val path = dir.resolve("any")
            UnixListener.bind(path).use { listener ->
                listener.localAddress() shouldBe UnixSocketAddress.of(path)
                poll.registry().register(listener, TOKEN_1, Interest.READABLE)
                jdkConnect(path).use {
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    listener.accept().shouldNotBeNull().use { stream ->
                        stream.localAddress().path() shouldBe path
                        stream.peerAddress().isUnnamed.shouldBeTrue()
                    }
                }
            }
        }
    }

    test("registered only for writes, a pending connection gives nothing until reregistered for reads") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("any")).use { listener ->
                poll.registry().register(listener, TOKEN_1, Interest.WRITABLE)
                jdkConnect(dir.resolve("any")).use {
                    expectNoEvents(poll, events)
                    poll.registry().reregister(listener, TOKEN_1, Interest.READABLE)
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                }
            }
        }
    }

    test("after deregister a connection gives no event, but accept still works") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("any")).use { listener ->
                poll.registry().register(listener, TOKEN_1, Interest.READABLE)
                poll.registry().deregister(listener)
                jdkConnect(dir.resolve("any")).use {
                    expectNoEvents(poll, events)
                    listener.accept().shouldNotBeNull().close()
                }
            }
        }
    }

    test("a second connection after accept gives a new readable event") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("any")).use { listener ->
                poll.registry().register(listener, TOKEN_1, Interest.READABLE)
                jdkConnect(dir.resolve("any")).use {
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                    listener.accept().shouldNotBeNull().close()
                    listener.accept().shouldBeNull()
                    jdkConnect(dir.resolve("any")).use {
                        expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                        listener.accept().shouldNotBeNull().close()
                    }
                }
            }
        }
    }

    test("a closed listener's token never shows up again") {
        withTempDir { dir ->
            val listener = UnixListener.bind(dir.resolve("any"))
            poll.registry().register(listener, TOKEN_1, Interest.READABLE)
            jdkConnect(dir.resolve("any")).use {
                listener.close()
                expectNoEvents(poll, events)
            }
        }
    }

    test("abstract names: bind, local address, connect") {
        val name = UnixSocketAddress.abstractName("jmio-listener-" + ProcessHandle.current().pid())
        UnixListener.bind(name).use { listener ->
            listener.localAddress() shouldBe name
            listener.localAddress().isAbstract.shouldBeTrue()
            poll.registry().register(listener, TOKEN_1, Interest.READABLE)
            UnixStream.connect(name).use {
                expectEvents(poll, events, TOKEN_1 to Readiness.READABLE)
                listener.accept().shouldNotBeNull().use { accepted -> accepted.localAddress() shouldBe name }
            }
            shouldThrow<BindException> { UnixListener.bind(name) }.message shouldContain "EADDRINUSE"
        }
        // The name disappears with its socket: it can be bound again at once.
        UnixListener.bind(name).close()
    }

    test("binding the unnamed address autobinds to a fresh abstract name") {
        UnixListener.bind(UnixSocketAddress.unnamed()).use { listener ->
            val address = listener.localAddress()
            address.isAbstract.shouldBeTrue()
            address.abstractNameBytes()!!.size shouldBe 5 // Linux picks five hex digits
            UnixStream.connect(address).use {
                retryUntilDone(poll, events) { if (listener.accept()?.also { s -> s.close() } != null) 1 else 0 }
            }
        }
    }

    test("closing a listener leaves its socket file; binding again needs the file deleted") {
        withTempDir { dir ->
            val path = dir.resolve("any")
            UnixListener.bind(path).close()
            Files.exists(path).shouldBeTrue()
            val e = shouldThrow<BindException> { UnixListener.bind(path) }
            e.message shouldContain "EADDRINUSE"
            e.message shouldContain path.toString()
            Files.delete(path)
            UnixListener.bind(path).close()
        }
    }

    test("binding in a missing directory names ENOENT") {
        withTempDir { dir ->
            val e = shouldThrow<IOException> { UnixListener.bind(dir.resolve("missing/any")) }
            e.message shouldContain "ENOENT"
        }
    }

    test("a path too long is rejected before any syscall") {
        withTempDir { dir ->
            val tooLong = dir.resolve("x".repeat(UnixSocketAddress.MAX_NAME_BYTES))
            shouldThrow<IllegalArgumentException> { UnixListener.bind(tooLong) }.message shouldContain "too long"
            Files.exists(tooLong).shouldBeFalse()
        }
    }

    test("a closed listener throws ClosedChannelException and close is idempotent") {
        withTempDir { dir ->
            val listener = UnixListener.bind(dir.resolve("any"))
            listener.close()
            listener.close()
            listener.isOpen.shouldBeFalse()
            shouldThrow<ClosedChannelException> { listener.accept() }
            shouldThrow<ClosedChannelException> { listener.localAddress() }
            shouldThrow<ClosedChannelException> { listener.takeError() }
            shouldThrow<ClosedChannelException> { listener.setOption(StandardSocketOptions.SO_RCVBUF, 4096) }
            shouldThrow<ClosedChannelException> { poll.registry().register(listener, TOKEN_1, Interest.READABLE) }
        }
    }

    test("socket options apply to the listener") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("any")).use { listener ->
                listener.setOption(StandardSocketOptions.SO_RCVBUF, 32768)
                listener.getOption(StandardSocketOptions.SO_RCVBUF) shouldBe 65536 // doubled by Linux
                shouldThrow<UnsupportedOperationException> { listener.getOption(StandardSocketOptions.TCP_NODELAY) }
            }
        }
    }
})
