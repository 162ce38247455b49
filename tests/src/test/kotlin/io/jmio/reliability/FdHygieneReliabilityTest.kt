package io.jmio.reliability

import io.jmio.EventLoop
import io.jmio.IoSource
import io.jmio.Poll
import io.jmio.Waker
import io.jmio.core.ProcFds
import io.jmio.core.TestLibC
import io.jmio.coroutines.runEventLoop
import io.jmio.net.TcpListener
import io.jmio.net.TcpStream
import io.jmio.net.UdpSocket
import io.jmio.testing.UnixTesting.withTempDir
import io.jmio.testing.acceptWithin
import io.jmio.testing.closeAll
import io.jmio.testing.localV4
import io.jmio.testing.shouldBeNonBlockingAndCloseOnExec
import io.jmio.unix.Pipe
import io.jmio.unix.UnixDatagram
import io.jmio.unix.UnixListener
import io.jmio.unix.UnixStream
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.yield
import java.io.IOException
import java.net.BindException
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.nio.ByteBuffer

/**
 * fd hygiene at volume: connect/accept/close cycles (TCP and Unix), Poll/Waker/EventLoop
 * open/close cycles and every failing path leave the process's sockets, pipes, epoll and eventfd
 * count where it started; every kind of fd jmio makes is close-on-exec (and non-blocking where
 * it is read or written). `-Djmio.fd.cycles=N` changes the connect cycles (100,000 by default: seconds on loopback).
 */
class FdHygieneReliabilityTest : FunSpec({
    val cycles = longProperty("jmio.fd.cycles", 100_000).toInt()
    val openCloseCycles = 10_000
    timeout = 600_000L

    test("$cycles TCP connect/accept/close cycles leave the fd count where it started") {
        TcpListener.bind(localV4()).use { listener ->
            val address = listener.localAddress()
            val buffer = ByteBuffer.allocateDirect(1)
            fun cycle() {
                TcpStream.connect(address).use { client ->
                    acceptWithin(listener).use { server ->
                        client.write(ByteBuffer.wrap(byteArrayOf(1)))
                        server.read(buffer.clear())
                    }
                }
            }
            cycle()
            val before = KernelFds.count()
            val started = System.nanoTime()
            repeat(cycles) { cycle() }
            println("FdHygiene: $cycles TCP cycles in ${(System.nanoTime() - started) / 1_000_000} ms")
            KernelFds.settleTo(before) shouldBe before
        }
    }

    test("$cycles Unix connect/accept/close cycles leave the fd count where it started") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("cycles")).use { listener ->
                val buffer = ByteBuffer.allocateDirect(1)
                val before = KernelFds.count()
                val started = System.nanoTime()
                repeat(cycles) {
                    UnixStream.connect(dir.resolve("cycles")).use { client ->
                        listener.accept()!!.use { server ->
                            client.write(ByteBuffer.wrap(byteArrayOf(1)))
                            server.read(buffer.clear())
                        }
                    }
                }
                println("FdHygiene: $cycles Unix cycles in ${(System.nanoTime() - started) / 1_000_000} ms")
                KernelFds.settleTo(before) shouldBe before
            }
        }
    }

    test("$openCloseCycles Poll, Waker and EventLoop open/close cycles leave the fd count where it started") {
        val before = KernelFds.count()
        val started = System.nanoTime()
        repeat(openCloseCycles) {
            Poll.open().use { poll -> Waker(poll.registry(), 1).use { it.wake() } }
            EventLoop.open().use { loop ->
                loop.execute { }
                loop.runOnce(0)
            }
        }
        println("FdHygiene: $openCloseCycles Poll+Waker+EventLoop cycles in ${(System.nanoTime() - started) / 1_000_000} ms")
        KernelFds.settleTo(before) shouldBe before
    }

    test("refused connects, bind conflicts and sockets closed while a coroutine waits leave no fd") {
        val closedPort = ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")).use { it.localPort }
        val refused = InetSocketAddress(InetAddress.getByName("127.0.0.1"), closedPort)
        withTempDir { dir ->
            TcpListener.bind(localV4()).use { taken ->
                UdpSocket.bind(localV4()).use { takenUdp ->
                    UnixListener.bind(dir.resolve("taken")).use { _ ->
                        fun failures() {
                            shouldThrow<BindException> { TcpListener.bind(taken.localAddress()) }
                            shouldThrow<BindException> { UdpSocket.bind(takenUdp.localAddress()) }
                            shouldThrow<BindException> { UnixListener.bind(dir.resolve("taken")) }
                            shouldThrow<IOException> { UnixStream.connect(dir.resolve("nobody")) } // ENOENT, not a refusal
                            runEventLoop {
                                shouldThrow<ConnectException> { io.jmio.coroutines.TcpStream.connect(refused) }
                            }
                            runEventLoop {
                                val listener = io.jmio.coroutines.TcpListener.bind(localV4())
                                val connecting = async { io.jmio.coroutines.TcpStream.connect(listener.localAddress) }
                                val server = listener.accept()
                                val client = connecting.await()
                                // A read and an accept parked, then their sockets closed under them.
                                val read = async { runCatching { server.read(ByteBuffer.allocateDirect(16)) } }
                                val accept = async { runCatching { listener.accept() } }
                                yield()
                                delay(1)
                                server.close()
                                listener.close()
                                read.await().exceptionOrNull().shouldBeInstanceOf<IOException>()
                                accept.await().exceptionOrNull().shouldBeInstanceOf<IOException>()
                                client.close()
                            }
                        }
                        failures()
                        val before = KernelFds.count()
                        repeat(500) { failures() }
                        KernelFds.settleTo(before) shouldBe before
                    }
                }
            }
        }
    }

    test("every kind of fd jmio makes is close-on-exec, and non-blocking where it carries data") {
        withTempDir { dir ->
            val opened = ArrayList<AutoCloseable>()
            try {
                val anonBefore = ProcFds.list()
                val poll = Poll.open().also { opened += it }
                opened += Waker(poll.registry(), 7)
                opened += EventLoop.open()
                // epoll fds need only close-on-exec; eventfds (Waker, the loop's wake-up) both flags.
                val epolls = ProcFds.opened(anonBefore, ProcFds.EPOLL)
                val eventfds = ProcFds.opened(anonBefore, ProcFds.EVENTFD)
                epolls.size shouldBe 2
                eventfds.size shouldBe 2
                for (fd in epolls) (ProcFds.flags(fd) and TestLibC.O_CLOEXEC) shouldBe TestLibC.O_CLOEXEC
                val both = TestLibC.O_CLOEXEC or TestLibC.O_NONBLOCK
                for (fd in eventfds) (ProcFds.flags(fd) and both) shouldBe both

                val sources = ArrayList<IoSource>()
                val listener = UnixListener.bind(dir.resolve("l")).also { opened += it; sources += it }
                sources += UnixStream.connect(dir.resolve("l")).also { opened += it }
                sources += listener.accept()!!.also { opened += it }
                UnixStream.pair().forEach { opened += it; sources += it }
                UnixDatagram.pair().forEach { opened += it; sources += it }
                sources += UnixDatagram.bind(dir.resolve("d")).also { opened += it }
                sources += UnixDatagram.unbound().also { opened += it }
                val pipe = Pipe.open().also { opened += it }
                sources += pipe.sender()
                sources += pipe.receiver()
                for (source in sources) source.shouldBeNonBlockingAndCloseOnExec()

                // An fd received over a Unix socket is the receiver's and must be close-on-exec too.
                val (a, b) = UnixStream.pair().also { opened += it[0]; opened += it[1] }.let { it[0] to it[1] }
                a.sendWithFds(ByteBuffer.wrap(byteArrayOf(1)), intArrayOf(0))
                val fds = IntArray(1)
                var n = 0
                repeat(1000) { if (n == 0) n = b.receiveWithFds(ByteBuffer.allocate(1), fds).also { if (it == 0) Thread.sleep(1) } }
                n shouldBe 1
                try {
                    (ProcFds.flags(fds[0]) and TestLibC.O_CLOEXEC) shouldBe TestLibC.O_CLOEXEC
                } finally {
                    TestLibC.C.close(fds[0])
                }

                // The coroutine layer's sockets are core sockets underneath: check the ones it accepts.
                runEventLoop {
                    val coListener = io.jmio.coroutines.TcpListener.bind(localV4())
                    val client = io.jmio.coroutines.TcpStream.connect(coListener.localAddress)
                    val server = coListener.accept()
                    try {
                        for (source in listOf(coListener.socket, client.socket, server.socket)) source.shouldBeNonBlockingAndCloseOnExec()
                    } finally {
                        closeAll(client, server, coListener)
                    }
                }
            } finally {
                closeAll(*opened.reversed().toTypedArray())
            }
        }
    }
})
