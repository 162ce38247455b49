package io.jmio.reliability

import io.jmio.core.ProcFds
import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.http.CoreHttpServer
import io.jmio.examples.http.CoroutineHttpServer
import io.jmio.examples.http.HttpDate
import io.jmio.examples.kv.KvServer
import io.jmio.examples.kv.KvSession
import io.jmio.examples.server.RunningServer
import io.jmio.examples.withServer
import io.kotest.assertions.fail
import io.kotest.core.spec.style.FunSpec
import java.io.ByteArrayOutputStream
import java.io.DataInputStream
import java.io.IOException
import java.net.InetSocketAddress
import java.net.Socket
import java.net.SocketException
import java.net.SocketTimeoutException
import java.util.Collections
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.random.Random

/**
 * The examples' protocols fed bad input at the edges: every prefix of valid requests (the client
 * then half-closes or closes), oversized pieces (MiB-long lines, heads over 8 KiB, huge lengths and
 * counts), random bytes and mutated valid requests. For each input an oracle ([HttpOracle],
 * [RespOracle]), written apart from the servers' parsers, says which replies must come and whether
 * the server must close by itself (an error: it must, with the client still open) or waits for
 * more (then the client half-closes and the server must close). Every case must end within
 * [CASE_BOUND_MILLIS], with exactly the replies expected.
 *
 * Meanwhile a bystander connection keeps making valid requests and must keep getting the right
 * answers; after each batch a fresh connection must be served; at the end the fd count is back
 * where it was and no exception reached a thread's uncaught-exception handler.
 *
 * What cannot be asked: an answer to a valid prefix while its client stays open. The HTTP
 * servers close such a connection after their idle timeout (30 s); the KV server, like Redis with
 * `timeout 0`, never does. Those cases half-close and check the close that must follow.
 *
 * `-Djmio.protocol.fuzz.cases=N` sets the random and mutated cases per server (300 by default,
 * a few seconds; 10,000 takes about 15 s per server); `-Djmio.protocol.fuzz.seed=S` replays a run
 * (a failure prints its seed).
 */
class ProtocolFuzzTest : FunSpec({
    val cases = longProperty("jmio.protocol.fuzz.cases", 300).toInt()
    val seed = longProperty("jmio.protocol.fuzz.seed", System.nanoTime())
    timeout = 300_000L + cases * 2_000L
    blockingTest = true

    val targets = listOf(
        Target("http --api core", Http) { CoreHttpServer.start(LOOPBACK_ANY, 1, 30_000) },
        Target("http --api coroutines", Http) { CoroutineHttpServer(30_000, HttpDate()).start(LOOPBACK_ANY, 1) },
        Target("kv", Resp) { KvServer().start(LOOPBACK_ANY, 1) },
    )
    for (target in targets) {
        test("${target.name}: bad input closes its connection with an error or on EOF; others are served meanwhile") {
            val uncaught = Collections.synchronizedList(ArrayList<Throwable>())
            val previousHandler = Thread.getDefaultUncaughtExceptionHandler()
            Thread.setDefaultUncaughtExceptionHandler { _, e -> uncaught += e }
            try {
                withServer(target.start) { server -> fuzz(target, server.localAddress(), cases, seed) }
            } finally {
                Thread.setDefaultUncaughtExceptionHandler(previousHandler)
            }
            if (uncaught.isNotEmpty()) fail("seed $seed: exceptions escaped to a loop: $uncaught")
        }
    }
})

/** A case's end to end bound: generous, as the machine is loaded; a hang takes it all. */
private const val CASE_BOUND_MILLIS = 20_000L

private class Target(val name: String, val protocol: Protocol, val start: () -> RunningServer)

private fun fuzz(target: Target, address: InetSocketAddress, cases: Int, seed: Long) {
    val rng = Random(seed xor target.name.hashCode().toLong())
    val inputs = target.protocol.inputs
    val batches = listOf(
        inputs.truncated(rng, cases / 4),
        inputs.oversized(),
        inputs.random(rng, cases),
        inputs.mutated(rng, cases),
    )
    val ends = HashMap<End, Int>()
    var replies = 0
    val started = System.nanoTime()
    val fdsBefore = connectionFds()
    Bystander(address, target.protocol).use { bystander ->
        val writers = Executors.newSingleThreadExecutor { Thread(it, "protocol-fuzz-writer").apply { isDaemon = true } }
        try {
            for (batch in batches) {
                for (input in batch) {
                    val expectation = target.protocol.expect(input.bytes)
                    ends.merge(expectation.end, 1, Int::plus)
                    replies += expectation.replies.size
                    val problem = try {
                        runCase(address, input, expectation, target.protocol, writers)
                    } catch (e: Exception) {
                        "failed: $e"
                    }
                    if (problem != null) {
                        fail("${target.name}, seed ${seed}: $problem\n  input: $input\n  expected: $expectation")
                    }
                }
                othersAreServed(target, address, bystander, seed)
            }
            // Many clients that stall inside requests claiming the most the limits allow (a body of
            // 10^18 bytes, a bulk of 512 MiB) cost the server nothing until their bytes come.
            val stalled = ArrayList<Socket>()
            try {
                repeat(STALLED_CLIENTS) {
                    stalled += Socket(address.address, address.port)
                    stalled.last().getOutputStream().write(inputs.stalled.toByteArray())
                }
                othersAreServed(target, address, bystander, seed)
            } finally {
                stalled.forEach { it.close() }
            }
        } finally {
            writers.shutdownNow()
            writers.awaitTermination(CASE_BOUND_MILLIS, TimeUnit.MILLISECONDS)
        }
    }
    val count = batches.sumOf { it.size }
    println(
        "ProtocolFuzz[${target.name}]: seed $seed, $count cases (truncated ${batches[0].size}, oversized ${batches[1].size}, " +
            "random ${batches[2].size}, mutated ${batches[3].size}); expected ends $ends, $replies replies; " +
            "${(System.nanoTime() - started) / 1_000_000} ms",
    )
    // Bounded settle time: a connection the server closes after an error lingers up to 2 s.
    val deadline = System.nanoTime() + 15_000_000_000L
    fun opened() = connectionFds().filter { (fd, target) -> fdsBefore[fd] != target }
    var left = opened()
    while (left.isNotEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20)
        left = opened()
    }
    if (left.isNotEmpty()) fail("${target.name}, seed $seed: fds left open: $left")
}

/**
 * This process's TCP sockets, epoll instances and eventfds: what servers and their clients open.
 * (The JVM opens a netlink socket of its own at some point; that is no leak of ours.)
 */
private fun connectionFds(): Map<Int, String> {
    val tcp = listOf("tcp", "tcp6").flatMap { table ->
        java.io.File("/proc/self/net/$table").readLines().drop(1).mapNotNull { it.trim().split(Regex("\\s+")).getOrNull(9) }
    }.map { "socket:[$it]" }.toSet()
    return ProcFds.list().filterValues { it in tcp || it == ProcFds.EPOLL || it == ProcFds.EVENTFD }
}

/** Enough stalled clients claiming 512 MiB each to take a 2 GiB heap, if claims were allocated. */
private const val STALLED_CLIENTS = 8

/** The bystander keeps getting answers, and a new connection is served. */
private fun othersAreServed(target: Target, address: InetSocketAddress, bystander: Bystander, seed: Long) {
    bystander.awaitProgress("${target.name}, seed $seed")
    Socket(address.address, address.port).use { fresh ->
        fresh.soTimeout = CASE_BOUND_MILLIS.toInt()
        target.protocol.bystanderRound(fresh, -1)
    }
}

/**
 * Sends [input] while reading what comes back; half-closes after it unless the server must close
 * by itself. Returns what is wrong with the outcome, or null.
 */
private fun runCase(
    address: InetSocketAddress,
    input: FuzzInput,
    expectation: Expectation,
    protocol: Protocol,
    writers: java.util.concurrent.ExecutorService,
): String? {
    val halfClose = expectation.end != End.SERVER_CLOSES
    val received = ByteArrayOutputStream()
    val ending: String
    val socket = Socket(address.address, address.port)
    val writer = try {
        writers.submit {
            try {
                writeInPieces(socket, input)
                if (halfClose && !input.clientCloses) socket.shutdownOutput()
            } catch (closedOrReset: IOException) {
                // The server closed after an error reply; what it sent is checked below.
            }
        }
    } catch (e: Exception) {
        socket.close()
        throw e
    }
    socket.use {
        if (input.clientCloses) {
            writer.get(CASE_BOUND_MILLIS, TimeUnit.MILLISECONDS)
            return null // the server sees EOF or a reset; the fd count at the end checks it closed
        }
        ending = readToEnd(socket, received)
    }
    writer.get(CASE_BOUND_MILLIS, TimeUnit.MILLISECONDS)
    if (ending == "timeout") {
        return "no end of stream within $CASE_BOUND_MILLIS ms (client ${if (halfClose) "half-closed" else "still open"}); " +
            "received ${escaped(received.toByteArray())}"
    }
    return protocol.check(received.toByteArray(), expectation)?.let { "$it; received ($ending) ${escaped(received.toByteArray())}" }
}

private fun writeInPieces(socket: Socket, input: FuzzInput) {
    socket.tcpNoDelay = true
    val out = socket.getOutputStream()
    var from = 0
    for ((i, split) in (input.splits + input.bytes.size).withIndex()) {
        out.write(input.bytes, from, split - from)
        from = split
        if (i % 8 == 7) Thread.sleep(1) // now and then, let the server read what has come
    }
}

/** Reads until EOF ("eof"), a reset ("reset") or [CASE_BOUND_MILLIS] ("timeout"). */
private fun readToEnd(socket: Socket, into: ByteArrayOutputStream): String {
    val deadline = System.nanoTime() + CASE_BOUND_MILLIS * 1_000_000
    socket.soTimeout = 100
    val buffer = ByteArray(64 * 1024)
    val stream = socket.getInputStream()
    while (System.nanoTime() < deadline) {
        val n = try {
            stream.read(buffer)
        } catch (slice: SocketTimeoutException) {
            continue
        } catch (reset: SocketException) {
            return "reset"
        }
        if (n < 0) return "eof"
        into.write(buffer, 0, n)
    }
    return "timeout"
}

/** A connection making valid requests all along, on its own thread; it must keep getting the right answers. */
private class Bystander(address: InetSocketAddress, protocol: Protocol) : AutoCloseable {
    private val socket = Socket(address.address, address.port).apply { soTimeout = CASE_BOUND_MILLIS.toInt() }
    private val rounds = AtomicLong()
    private val failure = AtomicReference<Throwable>()

    @Volatile
    private var stopping = false
    private val runner = thread(name = "protocol-fuzz-bystander", isDaemon = true) {
        try {
            while (!stopping) {
                protocol.bystanderRound(socket, rounds.get())
                rounds.incrementAndGet()
                Thread.sleep(2)
            }
        } catch (e: Throwable) {
            if (!stopping) failure.set(e)
        }
    }

    /** Fails if the bystander failed, or has not completed a round within the bound. */
    fun awaitProgress(what: String) {
        val from = rounds.get()
        val deadline = System.nanoTime() + CASE_BOUND_MILLIS * 1_000_000
        while (rounds.get() <= from && failure.get() == null && System.nanoTime() < deadline) Thread.sleep(5)
        failure.get()?.let { throw AssertionError("$what: the bystander connection failed after ${rounds.get()} rounds", it) }
        check(rounds.get() > from) { "$what: the bystander connection made no progress in $CASE_BOUND_MILLIS ms" }
    }

    override fun close() {
        awaitProgress("at the end")
        stopping = true
        socket.close()
        runner.join(CASE_BOUND_MILLIS)
    }
}

/** How to judge one protocol's replies, and a valid exchange for the bystander. */
private interface Protocol {
    val inputs: ProtocolInputs

    fun expect(input: ByteArray): Expectation

    /** What is wrong with [received] given [expectation], or null. */
    fun check(received: ByteArray, expectation: Expectation): String?

    /** One valid exchange on [socket]; throws if the answer is wrong. [n] makes it unique (-1: any). */
    fun bystanderRound(socket: Socket, n: Long)
}

private object Http : Protocol {
    override val inputs = ProtocolInputs.HTTP
    private val STATUS_LINE = Regex("^HTTP/1\\.1 (\\d{3}) [^\\r\\n]+\\r\\n")
    private val CONTENT_LENGTH = Regex("\\r\\nContent-Length: (\\d+)\\r\\n")
    private val REQUEST = "GET / HTTP/1.1\r\nHost: bystander\r\n\r\n".toByteArray()
    private const val HELLO = "Hello, World!"

    override fun expect(input: ByteArray) = HttpOracle.expect(input)

    override fun check(received: ByteArray, expectation: Expectation): String? {
        val statuses = ArrayList<String>()
        var at = 0
        var lastHead = ""
        while (at < received.size) {
            val headEnd = indexOf(received, "\r\n\r\n".toByteArray(), at)
            if (headEnd < 0) return "a truncated response head after ${statuses.size} responses"
            val head = received.latin1(at, headEnd + 4)
            val status = STATUS_LINE.find(head)?.groupValues?.get(1) ?: return "no status line in response ${statuses.size + 1}: $head"
            val length = CONTENT_LENGTH.find(head)?.groupValues?.get(1)?.toInt() ?: return "no Content-Length in $head"
            val hasBody = expectation.replies.getOrNull(statuses.size)?.hasBody ?: true
            at = headEnd + 4 + if (hasBody) length else 0
            if (at > received.size) return "a truncated response body"
            statuses += status
            lastHead = head
        }
        val wrong = statuses.size != expectation.replies.size ||
            statuses.zip(expectation.replies).any { (status, expected) -> !expected.matches(status) }
        if (wrong) return "statuses $statuses"
        if (expectation.end == End.SERVER_CLOSES && !lastHead.contains("\r\nConnection: close\r\n")) {
            return "the last response before the server closed says no Connection: close"
        }
        return null
    }

    override fun bystanderRound(socket: Socket, n: Long) {
        socket.getOutputStream().write(REQUEST)
        val input = DataInputStream(socket.getInputStream())
        val head = StringBuilder()
        while (!head.endsWith("\r\n\r\n")) {
            val b = input.read()
            check(b >= 0) { "end of stream after: $head" }
            head.append(b.toChar())
        }
        check(head.startsWith("HTTP/1.1 200 OK\r\n") && head.contains("\r\nContent-Length: 13\r\n")) { "wrong response: $head" }
        val body = ByteArray(HELLO.length).also { input.readFully(it) }
        check(String(body) == HELLO) { "wrong body: ${String(body)}" }
    }

    private fun indexOf(bytes: ByteArray, pattern: ByteArray, from: Int): Int =
        (from..bytes.size - pattern.size).firstOrNull { i -> pattern.indices.all { bytes[i + it] == pattern[it] } } ?: -1
}

private object Resp : Protocol {
    override val inputs = ProtocolInputs.RESP
    private val oracle = RespOracle(KvSession.DEFAULT_MAX_BULK)

    override fun expect(input: ByteArray) = oracle.expect(input)

    override fun check(received: ByteArray, expectation: Expectation): String? {
        val replies = ArrayList<String>()
        var at = 0
        while (at < received.size) {
            val end = replyEnd(received, at) ?: return "a malformed or truncated reply after ${replies.size} replies"
            replies += received.latin1(at, end)
            at = end
        }
        val expected = expectation.replies
        if (replies.size < expected.size || expectation.end != End.UNKNOWN && replies.size > expected.size) {
            return "${replies.size} replies, ${expected.size} expected: ${replies.map { it.take(60) }}"
        }
        replies.zip(expected).forEachIndexed { i, (reply, want) ->
            if (!want.matches(reply)) return "reply ${i + 1} is ${escaped(reply.toByteArray(Charsets.ISO_8859_1))}, expected $want"
        }
        val fatal = replies.indexOfFirst { RespOracle.PROTOCOL_ERROR.matches(it) }
        if (fatal >= 0 && fatal != replies.lastIndex) return "replies after a protocol error"
        return null
    }

    /** The index after the RESP2 reply at [at], or null if it is malformed or incomplete. */
    private fun replyEnd(bytes: ByteArray, at: Int): Int? {
        if (at >= bytes.size) return null
        val lineEnd = (at until bytes.size - 1).firstOrNull { bytes[it] == '\r'.code.toByte() && bytes[it + 1] == '\n'.code.toByte() }
            ?: return null
        val line = bytes.latin1(at + 1, lineEnd)
        return when (bytes[at].toInt().toChar()) {
            '+', '-' -> lineEnd + 2
            ':' -> line.toLongOrNull()?.let { lineEnd + 2 }
            '$' -> {
                val length = line.toIntOrNull() ?: return null
                if (length == -1) return lineEnd + 2
                val end = lineEnd + 2 + length
                if (length < 0 || end + 2 > bytes.size || bytes[end] != '\r'.code.toByte() || bytes[end + 1] != '\n'.code.toByte()) null else end + 2
            }
            '*' -> {
                val count = line.toIntOrNull() ?: return null
                var p = lineEnd + 2
                repeat(maxOf(count, 0)) { p = replyEnd(bytes, p) ?: return null }
                p
            }
            else -> null
        }
    }

    override fun bystanderRound(socket: Socket, n: Long) {
        val key = "bystander:${if (n < 0) "fresh" else n.toString()}"
        val value = "value-$n"
        val request = "*3\r\n\$3\r\nSET\r\n\$${key.length}\r\n$key\r\n\$${value.length}\r\n$value\r\n" +
            "*2\r\n\$3\r\nGET\r\n\$${key.length}\r\n$key\r\n*1\r\n\$4\r\nPING\r\n"
        val want = "+OK\r\n\$${value.length}\r\n$value\r\n+PONG\r\n"
        socket.getOutputStream().write(request.toByteArray())
        val got = ByteArray(want.length).also { DataInputStream(socket.getInputStream()).readFully(it) }
        check(String(got) == want) { "wrong replies: ${escaped(got)}" }
    }
}
