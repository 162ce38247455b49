package io.jmio.net

import io.jmio.IoSource
import io.jmio.core.ProcFds
import io.jmio.testing.acceptWithin
import io.jmio.testing.closeAll
import io.jmio.testing.fd
import io.jmio.testing.localV4
import io.jmio.testing.localV6
import io.jmio.testing.shouldBeNonBlockingAndCloseOnExec
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import java.net.BindException
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket

/** Unrelated fds the JVM may open meanwhile (class loading, the test engine): a leak would be thousands. */
private const val NOISE = 8

class FdHygieneTest : FunSpec({
    timeout = 120_000L

    test("every fd jmio creates is non-blocking and close-on-exec") {
        val sources = ArrayList<AutoCloseable>()
        try {
            for (local in listOf(localV4(), localV6())) {
                val listener = TcpListener.bind(local).also { sources += it }
                val client = TcpStream.connect(listener.localAddress()).also { sources += it }
                val accepted = acceptWithin(listener).also { sources += it }
                val built = TcpSocket.forAddress(local).bind(local).listen().also { sources += it }
                val udp = UdpSocket.bind(local).also { sources += it }
                val builtUdp = UdpSocket.forAddress(local).bind(local).also { sources += it }
                for (source in listOf<IoSource>(listener, client, accepted, built, udp, builtUdp)) {
                    source.shouldBeNonBlockingAndCloseOnExec()
                }
            }
        } finally {
            closeAll(*sources.toTypedArray())
        }
    }

    test("10,000 connect, accept and close cycles leak no fd") {
        TcpListener.bind(localV4()).use { listener ->
            val address = listener.localAddress()
            fun cycle() {
                val client = TcpStream.connect(address)
                val server = acceptWithin(listener)
                server.close()
                client.close()
            }
            cycle() // warm up: classes loaded, scratch memory allocated
            val before = ProcFds.list().size
            repeat(10_000) { cycle() }
            ProcFds.list().size shouldBeLessThanOrEqual before + NOISE
        }
    }

    test("failing binds and connects close what they opened") {
        val closedPort = ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")).use { it.localPort }
        TcpListener.bind(localV4()).use { taken ->
            UdpSocket.bind(localV4()).use { takenUdp ->
                fun failures() {
                    shouldThrow<BindException> { TcpListener.bind(taken.localAddress()) }
                    shouldThrow<BindException> { UdpSocket.bind(takenUdp.localAddress()) }
                    // Refused at once, or in flight (then closing it must release it).
                    try {
                        TcpStream.connect(InetSocketAddress(InetAddress.getByName("127.0.0.1"), closedPort)).close()
                    } catch (_: ConnectException) {
                    }
                }
                failures()
                val before = ProcFds.list().size
                repeat(1_000) { failures() }
                ProcFds.list().size shouldBeLessThanOrEqual before + NOISE
            }
        }
    }
})
