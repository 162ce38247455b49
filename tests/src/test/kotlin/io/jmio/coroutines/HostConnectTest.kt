package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.interleaveFamilies
import io.jmio.coroutines.internal.raceConnects
import io.jmio.net.TcpSocket
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeGreaterThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.net.BindException
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.SocketTimeoutException
import java.net.UnknownHostException
import java.nio.ByteBuffer
import java.nio.channels.UnresolvedAddressException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import io.jmio.net.TcpStream as CoreTcpStream

private val V4: InetAddress = InetAddress.getByName("127.0.0.1")
private val V6: InetAddress = InetAddress.getByName("::1")

private fun label(ip: InetAddress) = if (ip == V4) "127.0.0.1" else "::1"

/** A name no DNS knows: every test here resolves it with its own resolver. */
private const val HOST = "dual.test"

/**
 * One port bound, not listening, on both 127.0.0.1 and ::1: a connect to either is refused until
 * the test makes that side listen.
 */
private class DualPort(val port: Int, private val v4: TcpSocket, private val v6: TcpSocket) : AutoCloseable {
    fun socket(ip: InetAddress): TcpSocket = if (ip == V4) v4 else v6

    override fun close() {
        v4.close() // nothing once listen() has handed it over
        v6.close()
    }
}

private fun dualPort(): DualPort {
    repeat(20) {
        val v4 = TcpSocket.v4().bind(InetSocketAddress(V4, 0))
        val port = v4.localAddress().port
        val v6 = TcpSocket.v6()
        try {
            return DualPort(port, v4, v6.bind(InetSocketAddress(V6, port)))
        } catch (taken: BindException) {
            v6.close()
            v4.close()
        }
    }
    error("no port free on both 127.0.0.1 and ::1")
}

/**
 * Makes [socket] a listener whose accept queue is full, so that the kernel drops further SYNs and
 * a connect to it stays pending (as in TcpCoroutineTest's cancelled connect).
 */
private suspend fun blackHole(socket: TcpSocket): AutoCloseable {
    val listener = socket.listen(1)
    val fillers = (1..8).mapNotNull { runCatching { CoreTcpStream.connect(listener.localAddress()) }.getOrNull() }
    delay(50)
    return AutoCloseable {
        fillers.forEach { it.close() }
        listener.close()
    }
}

/** Runs [block] with a port on which both 127.0.0.1 and ::1 are black holes. */
private suspend fun withBothBlackHoled(block: suspend (port: Int) -> Unit) {
    dualPort().use { ports ->
        blackHole(ports.socket(V4)).use {
            blackHole(ports.socket(V6)).use { block(ports.port) }
        }
    }
}

/** Waits (boundedly) until [count] fds have been opened since [before]. */
private suspend fun awaitOpened(before: Set<String>, count: Int) {
    withTimeout(5.seconds) { while (fdsOpenedSince(before).size < count) delay(10) }
}

private fun resolving(vararg addresses: InetAddress) = HostResolver { addresses.toList() }

class HostConnectTest : FunSpec({
    timeout = 120_000

    test("addresses are interleaved by family, starting with the first one's, duplicates dropped") {
        val a4 = InetAddress.getByAddress(byteArrayOf(127, 0, 0, 1))
        val b4 = InetAddress.getByAddress(byteArrayOf(127, 0, 0, 2))
        val c4 = InetAddress.getByAddress(byteArrayOf(127, 0, 0, 3))
        val a6 = InetAddress.getByAddress(ByteArray(16).also { it[15] = 1 })
        val b6 = InetAddress.getByAddress(ByteArray(16).also { it[15] = 2 })
        interleaveFamilies(listOf(a6, b6, a4, b4)) shouldBe listOf(a6, a4, b6, b4)
        interleaveFamilies(listOf(a4, b4, c4, a6)) shouldBe listOf(a4, a6, b4, c4)
        interleaveFamilies(listOf(a4, a4, a6, a4)) shouldBe listOf(a4, a6)
        interleaveFamilies(listOf(b6)) shouldBe listOf(b6)
        interleaveFamilies(emptyList()) shouldBe emptyList()
    }

    for (listening in listOf(V6, V4)) {
        test("a listener on ${label(listening)} only wins at once, whichever family the resolver puts first") {
            for (order in listOf(listOf(V4, V6), listOf(V6, V4))) {
                runEventLoop {
                    dualPort().use { ports ->
                        TcpListener.from(ports.socket(listening).listen()).use { server ->
                            val before = openFds()
                            // Far beyond the bound: only the refused attempt's failure can start the next one in time.
                            val conn = withTimeout(10.seconds) {
                                TcpStream.connect(HOST, ports.port, resolver = HostResolver { order }, attemptDelay = 60.seconds)
                            }
                            conn.use {
                                it.peerAddress shouldBe InetSocketAddress(listening, ports.port)
                                fdsOpenedSince(before).size shouldBe 1
                                server.accept().close()
                            }
                            fdsOpenedSince(before) shouldBe emptySet()
                        }
                    }
                }
            }
        }
    }

    test("from another dispatcher, with attempts on several threads, the listening address still wins") {
        runBlocking(Dispatchers.Default) {
            dualPort().use { ports ->
                TcpListener.from(ports.socket(V4).listen()).use { server ->
                    TcpStream.connect(HOST, ports.port, resolver = resolving(V6, V4)).use {
                        it.peerAddress shouldBe InetSocketAddress(V4, ports.port)
                        server.accept().close()
                    }
                }
            }
        }
    }

    for ((hole, good) in listOf(V4 to V6, V6 to V4)) {
        test("a black-holed first address (${label(hole)}): the second starts after the attempt delay and wins; the first is closed") {
            runEventLoop {
                dualPort().use { ports ->
                    blackHole(ports.socket(hole)).use {
                        TcpListener.from(ports.socket(good).listen()).use { server ->
                            val before = openFds()
                            val start = TimeSource.Monotonic.markNow()
                            val conn = withTimeout(10.seconds) {
                                TcpStream.connect(HOST, ports.port, resolver = resolving(hole, good), attemptDelay = 300.milliseconds)
                            }
                            val elapsed = start.elapsedNow()
                            conn.use {
                                it.peerAddress shouldBe InetSocketAddress(good, ports.port)
                                fdsOpenedSince(before).size shouldBe 1 // the winner only: the pending attempt was closed
                                server.accept().close()
                            }
                            elapsed shouldBeGreaterThanOrEqualTo 280.milliseconds
                        }
                    }
                }
            }
        }
    }

    test("attempts that connect in the same instant: one wins, every other is closed before the race returns") {
        runEventLoop {
            dualPort().use { ports ->
                TcpListener.from(ports.socket(V4).listen()).use { server4 ->
                    TcpListener.from(ports.socket(V6).listen()).use { server6 ->
                        val targets = listOf(InetSocketAddress(V4, ports.port), InetSocketAddress(V6, ports.port))
                        val before = openFds()
                        repeat(20) {
                            // Each attempt connects, then waits for the other's connection: both finish together.
                            val connected = AtomicInteger()
                            val both = CompletableDeferred<Unit>()
                            val winner = raceConnects(HOST, targets, Duration.ZERO) { target ->
                                TcpStream.connect(target).closeOnFailure { stream ->
                                    if (connected.incrementAndGet() == 2) both.complete(Unit)
                                    both.await()
                                    stream
                                }
                            }
                            winner.use { fdsOpenedSince(before).size shouldBe 1 }
                            connected.get() shouldBe 2
                        }
                        fdsOpenedSince(before) shouldBe emptySet()
                        server4.close()
                        server6.close()
                    }
                }
            }
        }
    }

    test("the connect timeout fails with SocketTimeoutException after closing every half-open socket") {
        runEventLoop {
            withBothBlackHoled { port ->
                val before = openFds()
                val start = TimeSource.Monotonic.markNow()
                val connecting = launch {
                    val e = shouldThrow<SocketTimeoutException> {
                        TcpStream.connect(HOST, port, timeout = 800.milliseconds, resolver = resolving(V6, V4), attemptDelay = 50.milliseconds)
                    }
                    e.message shouldContain "$HOST:$port"
                    e.message shouldContain "800ms"
                    start.elapsedNow() shouldBeGreaterThanOrEqualTo 780.milliseconds
                    fdsOpenedSince(before) shouldBe emptySet()
                }
                awaitOpened(before, 2) // both attempts are half-open before the timeout
                connecting.isActive shouldBe true
                connecting.join()

                shouldThrow<SocketTimeoutException> { TcpStream.connect(InetSocketAddress(V4, port), timeout = 200.milliseconds) }
                fdsOpenedSince(before) shouldBe emptySet()
            }
        }
    }

    test("the connect timeout covers the name lookup") {
        runEventLoop {
            val e = shouldThrow<SocketTimeoutException> {
                TcpStream.connect(HOST, 80, timeout = 200.milliseconds, resolver = HostResolver { awaitCancellation() })
            }
            e.message shouldContain HOST
        }
    }

    test("cancelling the caller mid-connect closes every half-open socket") {
        runEventLoop {
            withBothBlackHoled { port ->
                val before = openFds()
                val job = launch { TcpStream.connect(HOST, port, resolver = resolving(V4, V6), attemptDelay = 50.milliseconds) }
                awaitOpened(before, 2)
                job.cancelAndJoin()
                job.isCancelled shouldBe true
                fdsOpenedSince(before) shouldBe emptySet()
            }
        }
    }

    test("cancelling the caller during the lookup returns promptly") {
        runEventLoop {
            val job = launch { TcpStream.connect(HOST, 80, resolver = HostResolver { awaitCancellation() }) }
            delay(50)
            withTimeout(5.seconds) { job.cancelAndJoin() }
            job.isCancelled shouldBe true
        }
    }

    test("when every address fails, the ConnectException names each with its error") {
        runEventLoop {
            dualPort().use { ports ->
                val before = openFds()
                val e = shouldThrow<ConnectException> {
                    TcpStream.connect(HOST, ports.port, resolver = resolving(V4, V6, V4))
                }
                e.message shouldContain "$HOST:${ports.port}"
                e.message shouldContain "127.0.0.1:${ports.port}: "
                e.message shouldContain "[${V6.hostAddress}]:${ports.port}: "
                e.message shouldContain "ECONNREFUSED"
                e.suppressed.size shouldBe 2 // the duplicate is tried once
                e.suppressed.forEach { it.shouldBeInstanceOf<ConnectException>() }
                fdsOpenedSince(before) shouldBe emptySet()
            }
        }
    }

    test("a name that resolves to nothing is an UnknownHostException; a resolver's own comes out unchanged") {
        runEventLoop {
            shouldThrow<UnknownHostException> {
                TcpStream.connect("nothing.invalid", 80, resolver = HostResolver { emptyList() })
            }.message shouldContain "nothing.invalid"
            shouldThrow<UnknownHostException> {
                TcpStream.connect("nothing.invalid", 80, resolver = HostResolver { throw UnknownHostException("nothing.invalid: NXDOMAIN") })
            }.message shouldBe "nothing.invalid: NXDOMAIN"
        }
    }

    // The JDK's resolver is tested on IP literals only, which it parses without a lookup: a name
    // under .invalid fails offline only if the system resolver knows RFC 6761, which glibc does not
    // (it asks the configured DNS server, which may be unreachable or answer anything).
    test("the default resolver connects to IP literals") {
        runEventLoop {
            dualPort().use { ports ->
                TcpListener.from(ports.socket(V4).listen()).use { server4 ->
                    TcpListener.from(ports.socket(V6).listen()).use { server6 ->
                        TcpStream.connect("127.0.0.1", ports.port).use { it.peerAddress shouldBe InetSocketAddress(V4, ports.port) }
                        TcpStream.connect("::1", ports.port).use { it.peerAddress shouldBe InetSocketAddress(V6, ports.port) }
                        server4.accept().close()
                        server6.accept().close()
                    }
                }
            }
        }
    }

    test("bad arguments fail before any lookup") {
        runEventLoop {
            val never = HostResolver { error("must not be called") }
            shouldThrow<IllegalArgumentException> { TcpStream.connect(HOST, 65536, resolver = never) }
            shouldThrow<IllegalArgumentException> { TcpStream.connect(HOST, -1, resolver = never) }
            shouldThrow<IllegalArgumentException> { TcpStream.connect(HOST, 80, timeout = Duration.ZERO, resolver = never) }
            shouldThrow<IllegalArgumentException> { TcpStream.connect(HOST, 80, resolver = never, attemptDelay = (-1).milliseconds) }
        }
    }

    test("coroutine sockets refuse an unresolved address with UnresolvedAddressException, never looking it up") {
        val unresolved = InetSocketAddress.createUnresolved("example.invalid", 80)
        val before = openFds()
        runEventLoop {
            shouldThrow<UnresolvedAddressException> { TcpStream.connect(unresolved) }.message shouldContain "example.invalid:80"
            shouldThrow<UnresolvedAddressException> { TcpStream.connect(unresolved, timeout = 1.seconds) }
            shouldThrow<UnresolvedAddressException> { TcpListener.bind(unresolved) }
            shouldThrow<UnresolvedAddressException> { UdpSocket.bind(unresolved) }
            UdpSocket.bind(LOOPBACK_ANY_PORT).use { udp ->
                shouldThrow<UnresolvedAddressException> { udp.sendTo(ByteBuffer.allocate(1), unresolved) }
                shouldThrow<UnresolvedAddressException> { udp.connect(unresolved) }
            }
            EventLoopGroup(1).use { group ->
                shouldThrow<UnresolvedAddressException> { serveTcp(group, unresolved) {} }
            }
        }
        fdsOpenedSince(before) shouldBe emptySet()
    }
})
