package io.jmio.coroutines

import io.jmio.net.TcpSocket
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import java.net.ConnectException
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asContextElement
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

class TcpCoroutineTest : FunSpec({
    timeout = 120_000

    test("echo with 100 concurrent clients verifies every byte") {
        runEventLoop {
            val server = TcpListener.bind(LOOPBACK_ANY_PORT)
            val serverJob = launch { server.incoming().collect { conn -> launch { conn.use { echo(it) } } } }
            (0 until 100).map { client ->
                async {
                    TcpStream.connect(server.localAddress).use { conn ->
                        repeat(20) { round ->
                            val size = 1 + (client * 131 + round * 977) % 40_000
                            val out = pattern(client + round, size)
                            val expected = out.duplicate()
                            val writer = launch { conn.writeFully(out) }
                            val back = ByteBuffer.allocateDirect(size)
                            conn.readFully(back)
                            writer.join()
                            back.flip()
                            back shouldBe expected
                        }
                    }
                }
            }.awaitAll()
            serverJob.cancelAndJoin()
            server.close()
        }
    }

    test("a read cancelled while suspended resumes promptly and leaves the stream usable") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val client = TcpStream.connect(server.localAddress)
                val conn = server.accept()
                val buf = ByteBuffer.allocateDirect(16)
                val reader = launch(start = CoroutineStart.UNDISPATCHED) { conn.read(buf) }
                reader.isActive shouldBe true // suspended: nothing was sent
                reader.cancelAndJoin()
                reader.isCancelled shouldBe true
                client.writeFully(ByteBuffer.wrap(byteArrayOf(1, 2, 3)))
                conn.read(buf) shouldBe 3
                client.close()
                conn.close()
            }
        }
    }

    test("a read cancelled before it suspends throws CancellationException without reading") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val client = TcpStream.connect(server.localAddress)
                val conn = server.accept()
                val reader = launch {
                    kotlinx.coroutines.currentCoroutineContext()[kotlinx.coroutines.Job]!!.cancel()
                    conn.read(ByteBuffer.allocateDirect(4))
                }
                reader.join()
                reader.isCancelled shouldBe true
                client.close()
                conn.close()
            }
        }
    }

    test("cancellation racing with readiness loses no byte") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val client = TcpStream.connect(server.localAddress)
                val conn = server.accept()
                var received = 0L
                var sent = 0L
                val buf = ByteBuffer.allocateDirect(64)
                repeat(2_000) { i ->
                    val reader = launch(start = CoroutineStart.UNDISPATCHED) {
                        buf.clear()
                        val n = conn.read(buf)
                        if (n > 0) received += n
                    }
                    val out = ByteBuffer.allocateDirect(1 + i % 7)
                    sent += out.remaining()
                    client.writeFully(out)
                    if (i % 2 == 0) yield()
                    reader.cancel()
                    reader.join()
                }
                // Drain what cancelled readers left queued: every byte must still be there exactly once.
                while (received < sent) {
                    buf.clear()
                    val n = withTimeout(5_000) { conn.read(buf) }
                    received += n
                }
                received shouldBe sent
                client.close()
                conn.close()
            }
        }
    }

    test("withTimeout around a read times out on the loop's timer and the stream stays usable") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val client = TcpStream.connect(server.localAddress)
                val conn = server.accept()
                val buf = ByteBuffer.allocateDirect(8)
                withTimeoutOrNull(30) { conn.read(buf) } shouldBe null
                client.writeFully(ByteBuffer.wrap(byteArrayOf(9)))
                withTimeout(5_000) { conn.read(buf) } shouldBe 1
                client.close()
                conn.close()
            }
        }
    }

    test("closing a stream resumes its suspended reader with AsynchronousCloseException") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val client = TcpStream.connect(server.localAddress)
                val conn = server.accept()
                val reader = async(start = CoroutineStart.UNDISPATCHED) {
                    runCatching { conn.read(ByteBuffer.allocateDirect(8)) }.exceptionOrNull()
                }
                withContext(Dispatchers.Default) { conn.close() } // from another thread
                reader.await().shouldBeInstanceOf<AsynchronousCloseException>()
                client.close()
            }
        }
    }

    test("closing a listener resumes a suspended accept with AsynchronousCloseException") {
        runEventLoop {
            val server = TcpListener.bind(LOOPBACK_ANY_PORT)
            val acceptor = async(start = CoroutineStart.UNDISPATCHED) { runCatching { server.accept() }.exceptionOrNull() }
            server.close()
            acceptor.await().shouldBeInstanceOf<AsynchronousCloseException>()
        }
    }

    test("a cancelled accept leaves the listener usable") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val acceptor = launch(start = CoroutineStart.UNDISPATCHED) { server.accept() }
                acceptor.cancelAndJoin()
                val client = TcpStream.connect(server.localAddress)
                withTimeout(5_000) { server.accept() }.close()
                client.close()
            }
        }
    }

    test("one reader and one writer run concurrently; a second reader is rejected") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                val client = TcpStream.connect(server.localAddress)
                val conn = server.accept()
                val total = 4 * 1024 * 1024
                val reader = async {
                    val buf = ByteBuffer.allocateDirect(65536)
                    var got = 0
                    while (got < total) { buf.clear(); got += conn.read(buf) }
                    got
                }
                yield()
                shouldThrow<IllegalStateException> { conn.read(ByteBuffer.allocateDirect(8)) }
                val writer = async {
                    val chunk = ByteBuffer.allocateDirect(65536)
                    var sent = 0
                    while (sent < total) { chunk.clear(); client.writeFully(chunk); sent += 65536 }
                    sent
                }
                // Meanwhile the server side writes to the client, which nobody reads yet, until full.
                val back = async {
                    val chunk = ByteBuffer.allocateDirect(65536)
                    var sent = 0
                    while (sent < total) { chunk.clear(); conn.writeFully(chunk); sent += 65536 }
                    sent
                }
                writer.await() shouldBe total
                reader.await() shouldBe total
                val sink = ByteBuffer.allocateDirect(65536)
                var drained = 0
                while (drained < total) { sink.clear(); drained += client.read(sink) }
                back.await() shouldBe total
                client.close()
                conn.close()
            }
        }
    }

    test("sockets work from coroutines on Dispatchers.Default, resumed through their own dispatcher") {
        runEventLoop {
            val server = TcpListener.bind(LOOPBACK_ANY_PORT)
            val serverJob = launch { server.incoming().collect { c -> launch { c.use { echo(it) } } } }
            val address = server.localAddress
            withContext(Dispatchers.Default) {
                (1..8).map {
                    async {
                        TcpStream.connect(address).use { conn ->
                            repeat(50) { round ->
                                val out = pattern(round, 100)
                                val expected = out.duplicate()
                                conn.writeFully(out)
                                val back = ByteBuffer.allocateDirect(100)
                                conn.readFully(back)
                                Thread.currentThread().name.startsWith("DefaultDispatcher") shouldBe true
                                back.flip()
                                back shouldBe expected
                            }
                        }
                    }
                }.awaitAll()
            }
            serverJob.cancelAndJoin()
            server.close()
        }
    }

    test("a read resumed by its event restores the coroutine's thread-context elements") {
        val requestId = ThreadLocal<String?>()
        runEventLoop {
            withConnectedPair { client, conn ->
                val reader = async(requestId.asContextElement("request-7")) {
                    val buf = ByteBuffer.allocateDirect(8)
                    conn.read(buf) shouldBe 1 // parks: nothing was sent yet
                    requestId.get()
                }
                yield() // let the reader park
                requestId.get() shouldBe null
                client.writeFully(ByteBuffer.wrap(byteArrayOf(1)))
                reader.await() shouldBe "request-7"
                requestId.get() shouldBe null
            }
        }
    }

    test("a coroutine resumed by its event is not re-entered by the coroutines it resumes") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val order = mutableListOf<String>()
                val wakeUp = Channel<Unit>() // rendezvous: send resumes the parked receiver
                val receiver = launch {
                    wakeUp.receive()
                    order += "receiver"
                }
                val reader = launch {
                    conn.read(ByteBuffer.allocateDirect(8)) shouldBe 1 // parks until the byte below
                    wakeUp.send(Unit)
                    order += "reader, after send"
                }
                yield() // both park
                client.writeFully(ByteBuffer.wrap(byteArrayOf(1)))
                joinAll(receiver, reader)
                // The reader runs to its next suspension before the receiver it resumed, as kotlinx's
                // own dispatchers that resume in place (Main.immediate, Unconfined) order it.
                order shouldBe listOf("reader, after send", "receiver")
            }
        }
    }

    test("connecting to a closed port throws ConnectException and leaks nothing") {
        val before = openFds()
        runEventLoop {
            val port = TcpListener.bind(LOOPBACK_ANY_PORT).use { it.localAddress.port }
            shouldThrow<ConnectException> { TcpStream.connect(InetSocketAddress("127.0.0.1", port)) }
        }
        fdsOpenedSince(before) shouldBe emptySet()
    }

    test("a cancelled connect closes the half-open socket") {
        val before = openFds()
        runEventLoop {
            // A listener with a full accept queue drops SYNs, so a further connect stays pending.
            val full = TcpSocket.v4().bind(LOOPBACK_ANY_PORT).listen(1)
            val fillers = (1..8).mapNotNull { runCatching { io.jmio.net.TcpStream.connect(full.localAddress()) }.getOrNull() }
            delay(50)
            withTimeoutOrNull(200) { TcpStream.connect(full.localAddress()) } shouldBe null
            fillers.forEach { it.close() }
            full.close()
        }
        fdsOpenedSince(before) shouldBe emptySet()
    }

    test("an EventLoopGroup serves one port from two loops") {
        EventLoopGroup(2).use { group ->
            runBlocking {
                val loopsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet<String>()
                val server = serveTcp(group, LOOPBACK_ANY_PORT) { conn ->
                    loopsSeen += Thread.currentThread().name.substringBefore(" @coroutine") // kotlinx debug mode appends the coroutine
                    echo(conn)
                }
                val served = AtomicInteger()
                (1..64).map {
                    async(Dispatchers.Default) {
                        TcpStream.connect(server.localAddress).use { conn ->
                            val out = pattern(it, 32)
                            conn.writeFully(out)
                            val back = ByteBuffer.allocateDirect(32)
                            conn.readFully(back)
                            served.incrementAndGet()
                        }
                    }
                }.awaitAll()
                served.get() shouldBe 64
                loopsSeen shouldBe setOf("jmio-loop-0", "jmio-loop-1")
                server.job.cancelAndJoin()
            }
        }
    }
})
