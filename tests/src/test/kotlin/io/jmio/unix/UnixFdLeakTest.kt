package io.jmio.unix

import io.jmio.testing.UnixTesting.direct
import io.jmio.testing.UnixTesting.openFdCount
import io.jmio.testing.UnixTesting.withTempDir
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.nulls.shouldNotBeNull
import java.io.IOException
import java.net.BindException
import java.net.ConnectException
import java.nio.ByteBuffer

/** Other JVM threads may open an fd now and then; a leak per cycle would show up thousands of times over. */
private const val SLACK = 5

class UnixFdLeakTest : FunSpec({
    timeout = 120_000L

    test("10,000 connect/accept/close cycles leave no fd behind") {
        withTempDir { dir ->
            val path = dir.resolve("cycles")
            UnixListener.bind(path).use { listener ->
                val before = openFdCount()
                val buffer = ByteBuffer.allocateDirect(1)
                repeat(10_000) {
                    UnixStream.connect(path).use { client ->
                        // A Unix connect completes at once, so the connection is already queued.
                        listener.accept().shouldNotBeNull().use { server ->
                            client.write(direct("x"))
                            server.read(buffer.clear())
                        }
                    }
                }
                openFdCount() shouldBeLessThanOrEqual before + SLACK
            }
        }
    }

    test("failed connects, binds and sends leave no fd behind") {
        withTempDir { dir ->
            val taken = dir.resolve("taken")
            val stale = dir.resolve("stale")
            UnixListener.bind(stale).close() // a socket file nobody listens on
            UnixListener.bind(taken).use {
                UnixDatagram.unbound().use { datagram ->
                    val before = openFdCount()
                    repeat(2_000) {
                        shouldThrow<IOException> { UnixStream.connect(dir.resolve("missing")) }
                        shouldThrow<ConnectException> { UnixStream.connect(stale) }
                        shouldThrow<BindException> { UnixListener.bind(taken) }
                        shouldThrow<BindException> { UnixDatagram.bind(taken) }
                        shouldThrow<IOException> { UnixListener.bind(dir.resolve("no/such/dir")) }
                        shouldThrow<IOException> { datagram.sendTo(direct("x"), dir.resolve("missing")) }
                    }
                    openFdCount() shouldBeLessThanOrEqual before + SLACK
                }
            }
        }
    }

    test("pairs, pipes and datagram sockets closed in bulk leave no fd behind") {
        val before = openFdCount()
        repeat(2_000) {
            UnixStream.pair().forEach { it.close() }
            UnixDatagram.pair().forEach { it.close() }
            Pipe.open().close()
            UnixDatagram.unbound().close()
            UnixListener.bind(UnixSocketAddress.unnamed()).close()
        }
        openFdCount() shouldBeLessThanOrEqual before + SLACK
    }
})
