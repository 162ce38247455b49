package io.jmio.testing

import io.jmio.Event
import io.jmio.Events
import io.jmio.IoSource
import io.jmio.Poll
import io.jmio.core.ProcFds
import io.jmio.core.TestLibC
import io.jmio.internal.SourceHandles
import io.jmio.net.TcpListener
import io.jmio.net.TcpStream
import io.jmio.net.UdpSocket
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.time.Duration

/* Test helpers for sockets, after mio's tests/util/mod.rs: event expectations, fd inspection. */

/** 127.0.0.1, any port. */
fun localV4(): InetSocketAddress = InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)

/** ::1, any port. */
fun localV6(): InetSocketAddress = InetSocketAddress(InetAddress.getByName("::1"), 0)

/** Readiness an expected event must show; combine with `or`. Unlisted flags are not checked. */
object Readiness {
    const val READABLE = 1
    const val WRITABLE = 2
    const val ERROR = 4
    const val READ_CLOSED = 8
    const val WRITE_CLOSED = 16
    const val PRIORITY = 32

    fun of(event: Event): Int =
        (if (event.isReadable) READABLE else 0) or
            (if (event.isWritable) WRITABLE else 0) or
            (if (event.isError) ERROR else 0) or
            (if (event.isReadClosed) READ_CLOSED else 0) or
            (if (event.isWriteClosed) WRITE_CLOSED else 0) or
            (if (event.isPriority) PRIORITY else 0)
}

data class ExpectEvent(val token: Long, val readiness: Int) {
    fun matches(event: Event): Boolean = event.token() == token && (Readiness.of(event) and readiness) == readiness
}

/**
 * Polls (500 ms at a time, at most [within]) until every expected event has been seen; other events
 * are tolerated, since events may be spurious or split. Fails naming what is missing.
 */
fun expectEvents(poll: Poll, events: Events, vararg expected: ExpectEvent, within: Duration = Duration.ofSeconds(5)) {
    val missing = expected.toMutableList()
    val deadline = System.nanoTime() + within.toNanos()
    while (missing.isNotEmpty() && System.nanoTime() < deadline) {
        poll.poll(events, Duration.ofMillis(500))
        for (event in events) {
            val index = missing.indexOfFirst { it.matches(event) }
            if (index >= 0) missing.removeAt(index)
        }
    }
    check(missing.isEmpty()) { "expected events not seen within $within: $missing" }
}

/** Fails if a poll of [wait] reports any event. */
fun expectNoEvents(poll: Poll, events: Events, wait: Duration = Duration.ofMillis(100)) {
    poll.poll(events, wait)
    check(events.isEmpty) { "expected no events, got " + events.joinToString { it.toString() } }
}

/** Polls until an event with [token] satisfying [accept] arrives (at most [within]) and returns a copy of its readiness. */
fun awaitEvent(
    poll: Poll,
    events: Events,
    token: Long,
    within: Duration = Duration.ofSeconds(5),
    accept: (Event) -> Boolean = { true },
): Int {
    val deadline = System.nanoTime() + within.toNanos()
    while (System.nanoTime() < deadline) {
        poll.poll(events, Duration.ofMillis(500))
        for (event in events) {
            if (event.token() == token && accept(event)) return Readiness.of(event)
        }
    }
    error("no event for token $token within $within")
}

/** Accepts one connection, retrying for at most [within] (the connection may still be in flight). */
fun acceptWithin(listener: TcpListener, within: Duration = Duration.ofSeconds(5)): TcpStream {
    val deadline = System.nanoTime() + within.toNanos()
    while (System.nanoTime() < deadline) {
        listener.accept()?.let { return it }
        Thread.sleep(1)
    }
    error("no connection to accept within $within")
}

/** A connected (client, server) pair over loopback; the client's connection has completed. */
fun tcpPair(address: InetSocketAddress = localV4()): Pair<TcpStream, TcpStream> =
    TcpListener.bind(address).use { listener ->
        val client = TcpStream.connect(listener.localAddress())
        val server = acceptWithin(listener)
        client to server
    }

/** Reads until [count] bytes arrived (non-blocking reads, sleeping between tries, at most [within]). */
fun readExactly(stream: TcpStream, count: Int, within: Duration = Duration.ofSeconds(5)): ByteArray {
    val buffer = ByteBuffer.allocate(count)
    val deadline = System.nanoTime() + within.toNanos()
    while (buffer.hasRemaining()) {
        check(System.nanoTime() < deadline) { "only ${buffer.position()} of $count bytes within $within" }
        val n = stream.read(buffer)
        check(n >= 0) { "end of stream after ${buffer.position()} of $count bytes" }
        if (n == 0) Thread.sleep(1)
    }
    return buffer.array()
}

fun directOf(bytes: ByteArray): ByteBuffer = ByteBuffer.allocateDirect(bytes.size).put(bytes).flip() as ByteBuffer

/** The bytes before the position (what a read stored), leaving the buffer as it was. */
fun ByteBuffer.writtenBytes(): ByteArray = ByteArray(position()).also { (duplicate().flip() as ByteBuffer).get(it) }

/** The fd number behind a jmio source, even once closed (for checks that it was released): tests only. */
fun IoSource.fd(): Int = SourceHandles.of(this).fdForDiagnostics()

/** Asserts that the source's fd is non-blocking and close-on-exec, as /proc/self/fdinfo reports it. */
fun IoSource.shouldBeNonBlockingAndCloseOnExec() {
    val wanted = TestLibC.O_NONBLOCK or TestLibC.O_CLOEXEC
    val flags = ProcFds.flags(fd())
    check(flags and wanted == wanted) { "$this: flags 0${Integer.toOctalString(flags)} lack O_NONBLOCK or O_CLOEXEC" }
}

/** Closes every argument, even if one fails. */
fun closeAll(vararg closeables: AutoCloseable?) {
    for (c in closeables) runCatching { c?.close() }
}

/** Asserts that an exception message names an errno, as "(EADDRINUSE)". */
infix fun String?.shouldContainErrno(name: String) {
    check(this != null && contains("($name)")) { "expected a message naming $name: $this" }
}

/**
 * A blocking java.net echo server on its own thread, serving connections one after another, for
 * checking jmio against the JDK's sockets. [close] stops it and closes whatever it holds.
 */
class BlockingEchoServer(bind: InetSocketAddress = localV4()) : AutoCloseable {
    private val server = java.net.ServerSocket().apply { bind(bind) }
    @Volatile private var current: java.net.Socket? = null
    val address: InetSocketAddress = InetSocketAddress(server.inetAddress, server.localPort)

    private val thread = Thread({
        try {
            while (true) {
                server.accept().use { socket ->
                    current = socket
                    val buffer = ByteArray(128)
                    while (true) {
                        // Linux resets a connection whose reading side was shut down: count it as the end.
                        val n = try { socket.getInputStream().read(buffer) } catch (e: java.io.IOException) { -1 }
                        if (n < 0) break
                        socket.getOutputStream().write(buffer, 0, n)
                    }
                }
            }
        } catch (_: java.io.IOException) {
            // closed
        }
    }, "blocking-echo").apply { isDaemon = true; start() }

    override fun close() {
        server.close()
        current?.close()
        thread.join(5_000)
    }
}

/** Runs [body] with a connected loopback pair, closing both ends afterwards. */
inline fun <T> withTcpPair(address: InetSocketAddress = localV4(), body: (client: TcpStream, server: TcpStream) -> T): T {
    val (client, server) = tcpPair(address)
    try {
        return body(client, server)
    } finally {
        closeAll(client, server)
    }
}

/** Runs [body] with a new Poll, an Events of 16 and a connected loopback pair; closes them all afterwards. */
inline fun <T> withPolledPair(
    address: InetSocketAddress = localV4(),
    body: (poll: Poll, events: Events, client: TcpStream, server: TcpStream) -> T,
): T = Poll.open().use { poll -> withTcpPair(address) { client, server -> body(poll, Events.withCapacity(16), client, server) } }

/** Runs [body] with a new Poll, an Events of 16 and [count] UDP sockets bound to [local]; closes them all afterwards. */
inline fun <T> withUdpSockets(
    count: Int,
    local: InetSocketAddress = localV4(),
    body: (poll: Poll, events: Events, sockets: List<UdpSocket>) -> T,
): T = Poll.open().use { poll ->
    val sockets = ArrayList<UdpSocket>()
    try {
        repeat(count) { sockets += UdpSocket.bind(local) }
        body(poll, Events.withCapacity(16), sockets)
    } finally {
        closeAll(*sockets.toTypedArray())
    }
}

/** Runs [body] on a new thread; [join] waits for it (bounded) and rethrows what it threw. */
class Worker(name: String = "test-worker", body: () -> Unit) {
    @Volatile private var failure: Throwable? = null
    val thread: Thread = Thread({
        try {
            body()
        } catch (e: Throwable) {
            failure = e
        }
    }, name).apply { start() }

    /** Waits up to [millis] for the body to end; fails if it is still running or threw. */
    fun join(millis: Long = 10_000) {
        thread.join(millis)
        check(!thread.isAlive) { "${thread.name} did not finish within $millis ms" }
        failure?.let { throw it }
    }
}

/**
 * Sets SO_OOBINLINE on socket [fd] through the tests' own libc mapping (jmio offers no such option):
 * urgent bytes then stay in the stream. A listener's accepted sockets inherit it.
 */
fun setOobInline(fd: Int) {
    check(TestLibC.C.setsockopt(fd, TestLibC.SOL_SOCKET, TestLibC.SO_OOBINLINE, intArrayOf(1), 4) == 0) {
        "setsockopt(SO_OOBINLINE) failed: errno ${com.sun.jna.Native.getLastError()}"
    }
}

/**
 * The fd of this process's listening TCP socket on [port], found through /proc (its inode in
 * /proc/self/net/tcp*, then the fd pointing at that inode): for servers that do not expose theirs.
 */
fun listeningFd(port: Int): Int {
    val hexPort = ":%04X".format(port)
    val inodes = listOf("tcp", "tcp6").flatMap { table ->
        java.io.File("/proc/self/net/$table").readLines().drop(1).map { it.trim().split(Regex("\\s+")) }
            .filter { it[1].endsWith(hexPort) && it[3] == "0A" } // 0A: TCP_LISTEN
            .map { it[9] }
    }.toSet()
    val fds = java.io.File("/proc/self/fd").listFiles().orEmpty().filter { fd ->
        val target = runCatching { java.nio.file.Files.readSymbolicLink(fd.toPath()).toString() }.getOrNull()
        target != null && target.removePrefix("socket:[").removeSuffix("]") in inodes
    }
    check(fds.size == 1) { "expected one listener on port $port, found fds ${fds.map { it.name }}" }
    return fds[0].name.toInt()
}

/** Sends [before], then [urgent] (if any) as one MSG_OOB byte, then [then], back to back. */
fun java.net.Socket.send(before: String, urgent: Char? = null, then: String = "") {
    getOutputStream().write(before.toByteArray())
    if (urgent != null) sendUrgentData(urgent.code)
    getOutputStream().write(then.toByteArray())
}
