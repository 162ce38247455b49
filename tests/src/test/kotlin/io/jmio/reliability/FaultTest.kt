package io.jmio.reliability

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import io.jmio.net.Shutdown
import io.jmio.testing.localV4
import io.jmio.testing.shouldContainErrno
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import java.io.BufferedReader
import java.io.File
import java.io.IOException
import java.io.InputStreamReader
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.SocketException
import java.net.SocketTimeoutException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.util.concurrent.TimeUnit

private val LOOPBACK: InetAddress = InetAddress.getByName("127.0.0.1")

/** A connected coroutine pair on the current loop. */
private suspend fun CoroutineScope.connectedPair(listener: TcpListener): Pair<TcpStream, TcpStream> {
    val client = async { TcpStream.connect(listener.localAddress) }
    val server = listener.accept()
    return client.await() to server
}

/** Checks that [a] and [b] still carry bytes both ways: the fault elsewhere did not touch them. */
private suspend fun stillWorks(a: TcpStream, b: TcpStream) {
    a.writeFully(ByteBuffer.wrap("ping".toByteArray()))
    val got = ByteBuffer.allocate(4)
    b.readFully(got)
    String(got.array()) shouldBe "ping"
}

/**
 * Faults at the coroutine API, where a caller meets them: each one must reach the caller as the
 * right exception (or end of stream), leave other connections working, and leak no fd.
 */
class FaultTest : FunSpec({
    timeout = 180_000L

    test("a peer's reset mid-stream (SO_LINGER 0) reaches the reader as SocketException naming ECONNRESET") {
        val before = KernelFds.count()
        runEventLoop {
            TcpListener.bind(localV4()).use { listener ->
                val (client, server) = connectedPair(listener)
                val (otherClient, otherServer) = connectedPair(listener)
                client.writeFully(ByteBuffer.wrap(ByteArray(10_000))) // unread by the server: its close must reset
                server.socket.setOption(StandardSocketOptions.SO_LINGER, 0)
                server.writeFully(ByteBuffer.wrap(ByteArray(1000)))
                delay(50)
                server.close()
                val error = shouldThrow<SocketException> {
                    val buffer = ByteBuffer.allocateDirect(4096)
                    withTimeout(10_000) { while (true) client.read(buffer.clear()) }
                }
                error.message shouldContainErrno "ECONNRESET"
                stillWorks(otherClient, otherServer)
                stillWorks(otherServer, otherClient)
                listOf(client, otherClient, otherServer).forEach { it.close() }
            }
        }
        KernelFds.settleTo(before) shouldBe before
    }

    test("half-close in each direction: end of stream one way, data still flows the other") {
        runEventLoop {
            TcpListener.bind(localV4()).use { listener ->
                for (closer in listOf("client", "server")) {
                    val (client, server) = connectedPair(listener)
                    val (shut, open) = if (closer == "client") client to server else server to client
                    shut.shutdown(Shutdown.WRITE)
                    open.read(ByteBuffer.allocate(8)) shouldBe -1
                    stillWorks(open, shut) // the other direction still carries data
                    open.shutdown(Shutdown.WRITE)
                    shut.read(ByteBuffer.allocate(8)) shouldBe -1
                    client.close()
                    server.close()
                }
            }
        }
    }

    test("a refused connect throws ConnectException naming ECONNREFUSED and leaves no fd") {
        val port = ServerSocket(0, 1, LOOPBACK).use { it.localPort }
        val before = KernelFds.count()
        runEventLoop {
            repeat(100) {
                val error = shouldThrow<ConnectException> { TcpStream.connect(InetSocketAddress(LOOPBACK, port)) }
                error.message shouldContainErrno "ECONNREFUSED"
            }
        }
        KernelFds.settleTo(before) shouldBe before
    }

    test("a connect that never completes (full backlog, SYNs dropped) is ended by a timeout and closes its socket") {
        // A listener that never accepts, with the smallest backlog: once its queue is full the
        // kernel drops further SYNs, which is how an unroutable address looks to the caller.
        ServerSocket().use { full ->
            full.bind(InetSocketAddress(LOOPBACK, 0), 1)
            val before = KernelFds.count()
            runEventLoop {
                val queued = ArrayList<TcpStream>()
                var timedOut = 0
                repeat(16) {
                    if (timedOut == 0) {
                        val stream = withTimeoutOrNull(300) { TcpStream.connect(InetSocketAddress(LOOPBACK, full.localPort)) }
                        if (stream == null) timedOut++ else queued += stream
                    }
                }
                timedOut shouldBe 1
                queued.size shouldBeLessThan 16
                queued.forEach { it.close() }
            }
            KernelFds.settleTo(before) shouldBe before
        }
    }

    test("a peer process killed mid-stream ends the stream (EOF or reset) and other connections keep working") {
        val before = KernelFds.count()
        runEventLoop {
            TcpListener.bind(localV4()).use { listener ->
                val command = childJavaCommand(FaultPeers::class.java.name, listOf("peer", listener.localAddress.port.toString()))
                val child = ProcessBuilder(command).redirectErrorStream(true).start()
                try {
                    val victim = withTimeout(60_000) { listener.accept() }
                    val (otherClient, otherServer) = connectedPair(listener)
                    val buffer = ByteBuffer.allocateDirect(65536)
                    var received = 0L
                    while (received < 100_000) {
                        val n = withTimeout(30_000) { victim.read(buffer.clear()) }
                        check(n > 0) { "the peer's stream ended before it was killed" }
                        received += n
                    }
                    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS) shouldBe true
                    val end = withTimeout(30_000) {
                        try {
                            while (victim.read(buffer.clear()) >= 0) continue
                            "eof"
                        } catch (e: SocketException) {
                            e.message!!
                        }
                    }
                    println("Fault: killed peer's stream ended with $end after $received bytes")
                    stillWorks(otherClient, otherServer)
                    listOf(victim, otherClient, otherServer).forEach { it.close() }
                } finally {
                    child.destroyForcibly()
                }
            }
        }
        KernelFds.settleTo(before) shouldBe before
    }

    test("a writer to a peer that does not read suspends with bounded memory, then delivers every byte") {
        runEventLoop {
            TcpListener.bind(localV4()).use { listener ->
                val (client, server) = connectedPair(listener)
                val payload = ByteBuffer.allocateDirect(64 shl 20)
                for (i in 0 until payload.capacity()) payload.put(i, (i * 7 + (i ushr 16)).toByte())
                val writer = launch { client.writeFully(payload) }
                delay(1000)
                // Suspended, not buffering: what left the buffer fits in the kernel's socket buffers.
                writer.isActive shouldBe true
                payload.position().toLong() shouldBeLessThan (32L shl 20)
                val input = ByteBuffer.allocateDirect(65536)
                var offset = 0
                while (offset < payload.capacity()) {
                    val n = withTimeout(30_000) { server.read(input.clear()) }
                    check(n > 0) { "end of stream at $offset" }
                    for (i in 0 until n) check(input.get(i) == ((offset + i) * 7 + ((offset + i) ushr 16)).toByte()) { "corrupt at ${offset + i}" }
                    offset += n
                }
                writer.join()
                client.close()
                server.close()
            }
        }
    }

    for (kind in listOf("coroutine", "core")) {
        test("$kind echo server out of fds (ulimit -n): reports accept errors, does not spin, serves again once fds free up") {
            fdExhaustion(kind)
        }
    }
})

/** Runs an echo server child under a low fd limit, exhausts it with connections, then frees some. */
private fun fdExhaustion(kind: String) {
    val limit = 160
    val command = listOf("bash", "-c", "ulimit -n $limit; exec \"\$@\"", "child") +
        childJavaCommand(FaultPeers::class.java.name, listOf("echo", kind), "-Xmx256m")
    val process = ProcessBuilder(command).redirectErrorStream(true).start()
    val clients = ArrayList<Socket>()
    try {
        val output = BufferedReader(InputStreamReader(process.inputStream))
        val lines = java.util.concurrent.CopyOnWriteArrayList<String>()
        // The JVM may print warnings first (JDK 22+ about native access): skip to our lines.
        val port = generateSequence { output.readLine() }.onEach { lines += it }.firstOrNull { it.startsWith("port=") }
            ?.substringAfter("port=")?.toInt() ?: error("no port from the child: $lines")
        Thread { output.lineSequence().forEach { lines += it } }.apply { isDaemon = true; start() }

        fun echoes(socket: Socket, timeoutMillis: Int): Boolean = try {
            socket.soTimeout = timeoutMillis
            socket.getOutputStream().write(42)
            socket.getInputStream().read() == 42
        } catch (e: SocketTimeoutException) {
            false
        }

        // Connect until the server cannot accept any more (its fd table is full).
        var pending: Socket? = null
        while (pending == null && clients.size < limit + 50) {
            val socket = Socket(LOOPBACK, port)
            clients += socket
            if (!echoes(socket, 2000)) pending = socket
        }
        checkNotNull(pending) { "the server never ran out of fds (limit $limit, ${clients.size} connections)" }
        val served = clients.size - 1

        // Out of fds: the server must idle, not spin on the accept that keeps failing.
        val cpu = cpuSeconds(process.pid())
        Thread.sleep(2000)
        val busy = (cpuSeconds(process.pid()) - cpu) / 2.0
        println("Fault[$kind]: fd limit $limit, served $served connections, then ${"%.0f".format(busy * 100)}% CPU while out of fds; child said ${lines.filter { "fds=" in it || "accept" in it }.take(3)}")

        // Free some fds: the server must serve the waiting connection and new ones again.
        repeat(10) { clients.removeAt(0).close() }
        val fresh = Socket(LOOPBACK, port).also { clients += it }
        check(echoes(fresh, 15_000)) { "a new connection was not served after fds were freed" }
        check(echoes(pending, 15_000)) { "the connection that waited was not served after fds were freed" }
        check(process.isAlive) { "the server died: $lines" }
        check(lines.any { "accept" in it && "EMFILE" in it }) { "the accept error was not reported: $lines" }
        busy shouldBeLessThan 0.5
    } finally {
        clients.forEach { runCatching { it.close() } }
        process.outputStream.close()
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
    }
}

/** User plus system CPU time of process [pid], from /proc/<pid>/stat (clock ticks of 1/100 s). */
private fun cpuSeconds(pid: Long): Double {
    val fields = File("/proc/$pid/stat").readText().substringAfterLast(')').trim().split(' ')
    return (fields[11].toLong() + fields[12].toLong()) / 100.0
}

private infix fun Double.shouldBeLessThan(limit: Double) = check(this < limit) { "$this should be < $limit" }
