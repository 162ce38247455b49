package io.jmio.net

import io.jmio.testing.acceptWithin
import io.jmio.testing.localV4
import io.jmio.testing.localV6
import io.jmio.testing.withTcpPair
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.StandardSocketOptions
import jdk.net.ExtendedSocketOptions

class TcpSocketTest : FunSpec({
    timeout = 60_000L

    test("options set on the builder apply before listen and before connect") {
        val listener = TcpSocket.v4()
            .setOption(StandardSocketOptions.SO_REUSEADDR, true)
            .setOption(StandardSocketOptions.SO_RCVBUF, 512 * 1024)
            .bind(localV4())
            .listen(16)
        listener.use {
            it.getOption(StandardSocketOptions.SO_REUSEADDR) shouldBe true
            it.getOption(StandardSocketOptions.SO_RCVBUF) shouldBeGreaterThanOrEqual 512 * 1024
            val builder = TcpSocket.forAddress(it.localAddress()).setOption(StandardSocketOptions.SO_SNDBUF, 256 * 1024)
            builder.getOption(StandardSocketOptions.SO_SNDBUF) shouldBeGreaterThanOrEqual 256 * 1024
            builder.connect(it.localAddress()).use { stream ->
                stream.getOption(StandardSocketOptions.SO_SNDBUF) shouldBeGreaterThanOrEqual 256 * 1024
                acceptWithin(it).use { accepted ->
                    // the receive buffer set on the listener is inherited by accepted connections
                    accepted.getOption(StandardSocketOptions.SO_RCVBUF) shouldBeGreaterThanOrEqual 512 * 1024
                }
            }
        }
    }

    test("binding before connect chooses the source address") {
        TcpListener.bind(localV4()).use { listener ->
            val source = TcpSocket.v4().bind(localV4())
            val local = source.localAddress()
            source.connect(listener.localAddress()).use { stream ->
                stream.localAddress() shouldBe local
                acceptWithin(listener).use { it.peerAddress() shouldBe local }
            }
        }
    }

    test("an IPv6 socket can connect to an IPv4 address through its mapped form") {
        TcpListener.bind(localV4()).use { listener ->
            TcpSocket.v6().connect(listener.localAddress()).use { stream ->
                acceptWithin(listener).use { accepted ->
                    accepted.peerAddress().shouldNotBeNull().address shouldBe InetAddress.getByName("127.0.0.1")
                    val deadline = System.nanoTime() + 5_000_000_000L
                    while (stream.peerAddress() == null && System.nanoTime() < deadline) Thread.sleep(1)
                    stream.peerAddress() shouldBe listener.localAddress()
                }
            }
        }
    }

    for ((family, local) in listOf("IPv4" to localV4(), "IPv6" to localV6())) {
        test("$family stream options round trip: keep-alive and its timings, linger, no-delay, buffers, TOS") {
            withTcpPair(local) { client, server ->
                client.setOption(StandardSocketOptions.SO_KEEPALIVE, true)
                client.getOption(StandardSocketOptions.SO_KEEPALIVE) shouldBe true
                client.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 30)
                client.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 5)
                client.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3)
                client.getOption(ExtendedSocketOptions.TCP_KEEPIDLE) shouldBe 30
                client.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL) shouldBe 5
                client.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT) shouldBe 3
                client.getOption(StandardSocketOptions.SO_LINGER) shouldBe -1
                client.setOption(StandardSocketOptions.SO_LINGER, 5)
                client.getOption(StandardSocketOptions.SO_LINGER) shouldBe 5
                client.setOption(StandardSocketOptions.SO_LINGER, -1)
                client.getOption(StandardSocketOptions.SO_LINGER) shouldBe -1
                client.setOption(StandardSocketOptions.TCP_NODELAY, true)
                client.noDelay() shouldBe true
                client.setOption(StandardSocketOptions.IP_TOS, 0x10)
                client.getOption(StandardSocketOptions.IP_TOS) shouldBe 0x10
                client.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024)
                client.getOption(StandardSocketOptions.SO_SNDBUF) shouldBeGreaterThanOrEqual 64 * 1024
            }
        }
    }

    test("toString tells the type and the fd, or that it is closed") {
        val socket = TcpSocket.v4()
        socket.toString() shouldContain "TcpSocket[fd "
        val listener = socket.bind(localV4()).listen()
        socket.toString() shouldContain "handed over"
        listener.toString() shouldContain "TcpListener[fd "
        listener.close()
        listener.toString() shouldBe "TcpListener[closed]"
        UdpSocket.bind(InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)).use { it.toString() shouldContain "UdpSocket[fd " }
    }
})
