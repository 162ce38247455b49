package io.jmio.examples

import com.sun.jna.Native
import com.sun.jna.Platform
import com.sun.jna.Pointer
import io.jmio.examples.server.RunningServer
import java.io.File
import java.io.InputStream
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Socket
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/* Helpers for the examples' end-to-end tests: real clients as processes, servers in-process or as a JVM. */

/** 127.0.0.1, any free port. */
val LOOPBACK_ANY = InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)

/** What an external command did. */
class CommandResult(val exitCode: Int, val stdoutBytes: ByteArray, val stderr: String) {
    constructor(exitCode: Int, stdout: String, stderr: String) : this(exitCode, stdout.toByteArray(), stderr)

    val stdout: String get() = String(stdoutBytes, Charsets.UTF_8)

    override fun toString() = "exit $exitCode\n--- stdout\n${stdout.take(4000)}\n--- stderr\n${stderr.take(4000)}"
}

/** Fails unless [tool] is on the PATH, saying how to install the clients the tests drive. */
fun requireTool(tool: String) {
    val found = System.getenv("PATH").orEmpty().split(File.pathSeparator).any { File(it, tool).canExecute() }
    check(found) {
        "$tool is not installed: the examples' tests drive real clients " +
            "(apt-get install -y redis-tools wrk socat curl, as .ci/run does)"
    }
}

/** Reads [stream] to the end on a daemon thread; [text] waits for it. */
private class Drain(stream: InputStream, name: String) {
    private val bytes = java.io.ByteArrayOutputStream()
    val reader = thread(name = name, isDaemon = true) { stream.use { it.copyTo(bytes) } }

    fun bytes(within: Duration): ByteArray {
        reader.join(within.inWholeMilliseconds)
        return synchronized(bytes) { bytes.toByteArray() }
    }

    fun text(within: Duration): String = String(bytes(within), Charsets.UTF_8)
}

/**
 * Runs a client command to completion with [stdin] as its input, killing it (and failing) if it
 * takes longer than [timeout].
 */
fun runClient(vararg command: String, stdin: ByteArray = ByteArray(0), timeout: Duration = 60.seconds): CommandResult {
    requireTool(command[0])
    val process = ProcessBuilder(*command).start()
    val out = Drain(process.inputStream, "${command[0]}-stdout")
    val err = Drain(process.errorStream, "${command[0]}-stderr")
    val input = thread(name = "${command[0]}-stdin", isDaemon = true) {
        try {
            process.outputStream.use { it.write(stdin) }
        } catch (closedEarly: java.io.IOException) {
            // the client stopped reading its input; its output tells what happened
        }
    }
    try {
        if (!process.waitFor(timeout.inWholeMilliseconds, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
            error("${command.joinToString(" ")} did not finish within $timeout:\n${out.text(1.seconds)}\n${err.text(1.seconds)}")
        }
        return CommandResult(process.exitValue(), out.bytes(10.seconds), err.text(10.seconds))
    } finally {
        release(process, input, out.reader, err.reader)
    }
}

/**
 * Once [process] has ended: waits (bounded) for the threads serving its pipes and closes all
 * three, so that none of its fds outlives the test (the JDK would close some later, on its own
 * thread, under the feet of a test that counts fds).
 */
private fun release(process: Process, vararg threads: Thread) {
    if (process.isAlive) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
    threads.forEach { it.join(10_000) }
    listOf(process.outputStream, process.inputStream, process.errorStream).forEach { runCatching { it.close() } }
}

/** A client process we talk to line by line (socat, say): lines it prints arrive in a queue. */
class LineClient(vararg command: String) : AutoCloseable {
    private val process: Process
    private val lines = LinkedBlockingQueue<String>()
    private val err: Drain
    private val reader: Thread

    init {
        requireTool(command[0])
        process = ProcessBuilder(*command).start()
        err = Drain(process.errorStream, "${command[0]}-stderr")
        reader = thread(name = "${command[0]}-lines", isDaemon = true) {
            process.inputStream.bufferedReader().useLines { all -> all.forEach { lines.put(it) } }
        }
    }

    fun send(line: String) {
        process.outputStream.write((line + "\n").toByteArray())
        process.outputStream.flush()
    }

    /** Closes the client's input: socat then half-closes its connection. */
    fun closeInput() = process.outputStream.close()

    /** The next line printed, failing if none comes within [within]. */
    fun nextLine(within: Duration = 20.seconds): String =
        lines.poll(within.inWholeMilliseconds, TimeUnit.MILLISECONDS)
            ?: error("no line within $within; stderr: ${err.text(1.seconds)}")

    /** Skips lines until one satisfies [predicate]; returns it. */
    fun awaitLine(within: Duration = 20.seconds, predicate: (String) -> Boolean): String {
        val deadline = System.nanoTime() + within.inWholeNanoseconds
        while (true) {
            val left = deadline - System.nanoTime()
            check(left > 0) { "no matching line within $within" }
            val line = lines.poll(left, TimeUnit.NANOSECONDS) ?: continue
            if (predicate(line)) return line
        }
    }

    /** Waits for the client to exit by itself; its exit status. */
    fun awaitExit(within: Duration = 20.seconds): Int {
        check(process.waitFor(within.inWholeMilliseconds, TimeUnit.MILLISECONDS)) { "client still running after $within" }
        return process.exitValue()
    }

    override fun close() {
        process.destroy()
        process.waitFor(10, TimeUnit.SECONDS)
        release(process, reader, err.reader)
    }
}

/** The examples' CLI in its own JVM, from the test classpath or from [jar]. */
class ExampleProcess(vararg args: String, jar: File? = null) : AutoCloseable {
    val process: Process
    private val stderrLines = LinkedBlockingQueue<String>()
    private val stderrAll = StringBuffer()
    private val stdout: Drain
    private val stderrReader: Thread

    init {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val launch = if (jar != null) listOf("-jar", jar.path) else listOf("-cp", System.getProperty("java.class.path"), "io.jmio.examples.Main")
        val nativeAccess = if (Runtime.version().feature() >= 22) listOf("--enable-native-access=ALL-UNNAMED") else emptyList()
        val command = listOf(java, "-Xmx256m") + nativeAccess + launch + args
        process = SigInt.withDefaultDisposition { ProcessBuilder(command).start() }
        stdout = Drain(process.inputStream, "example-stdout")
        stderrReader = thread(name = "example-stderr", isDaemon = true) {
            process.errorStream.bufferedReader().useLines { all ->
                all.forEach {
                    stderrAll.append(it).append('\n')
                    stderrLines.put(it)
                }
            }
        }
    }

    /** Waits for `listening on HOST:PORT` (JVM warnings may come first) and returns the address. */
    fun awaitListening(within: Duration = 60.seconds): InetSocketAddress {
        val deadline = System.nanoTime() + within.inWholeNanoseconds
        while (System.nanoTime() < deadline) {
            val line = stderrLines.poll(200, TimeUnit.MILLISECONDS) ?: continue
            if (line.startsWith("listening on ")) {
                val hostPort = line.removePrefix("listening on ")
                val colon = hostPort.lastIndexOf(':')
                val host = hostPort.substring(0, colon).removePrefix("[").removeSuffix("]")
                return InetSocketAddress(InetAddress.getByName(host), hostPort.substring(colon + 1).toInt())
            }
        }
        error("no 'listening on' line within $within; stderr so far:\n$stderrAll")
    }

    /** Sends [signal] (INT, TERM) to the JVM. */
    fun signal(signal: String) {
        val result = runClient("kill", "-s", signal, process.pid().toString(), timeout = 10.seconds)
        check(result.exitCode == 0) { "kill -s $signal failed: $result" }
    }

    /** Waits for the JVM to exit by itself; its exit status. */
    fun awaitExit(within: Duration = 60.seconds): Int {
        check(process.waitFor(within.inWholeMilliseconds, TimeUnit.MILLISECONDS)) {
            "the example did not exit within $within; stderr:\n$stderrAll"
        }
        return process.exitValue()
    }

    val stderr: String get() = stderrAll.toString()

    fun stdout(within: Duration = 10.seconds): String = stdout.text(within)

    override fun close() = release(process, stdout.reader, stderrReader)
}

/**
 * A child inherits an ignored SIGINT (as a background job's is), and a JVM that starts with SIGINT
 * ignored leaves it ignored. The test JVM may run as such a job, so it starts its children with
 * SIGINT at its default, as a shell in the foreground would.
 */
private object SigInt {
    private const val SIGINT = 2

    private interface CLibrary : com.sun.jna.Library {
        fun signal(signal: Int, handler: Pointer?): Pointer?
    }

    private val libc: CLibrary = Native.load(Platform.C_LIBRARY_NAME, CLibrary::class.java)

    @Synchronized
    fun <T> withDefaultDisposition(start: () -> T): T {
        val ignored = File("/proc/self/status").readLines().first { it.startsWith("SigIgn:") }
            .substringAfter(':').trim().toLong(16) and (1L shl (SIGINT - 1)) != 0L
        if (!ignored) return start()
        libc.signal(SIGINT, null) // SIG_DFL is 0
        try {
            return start()
        } finally {
            libc.signal(SIGINT, Pointer.createConstant(1)) // SIG_IGN
        }
    }
}

/** This JVM's open file descriptors, by number, with what they point to. */
fun openFds(): Map<Int, String> =
    File("/proc/self/fd").listFiles().orEmpty().mapNotNull { fd ->
        val target = runCatching { java.nio.file.Files.readSymbolicLink(fd.toPath()).toString() }.getOrNull()
        target?.let { fd.name.toInt() to it }
    }.toMap()

/** Live threads that servers start (event loops, Poll loops). */
fun serverThreads(): Set<Thread> =
    Thread.getAllStackTraces().keys.filter { it.isAlive && it.name.startsWith("jmio-") && it.name != "jmio-default-loop" }.toSet()

/**
 * Starts a server with [start], runs [body] against it, closes it, and checks it gave back every
 * fd and thread it took: what a clean exit means.
 */
fun <S : RunningServer> withServer(start: () -> S, body: (S) -> Unit) {
    val fdsBefore = openFds()
    val threadsBefore = serverThreads()
    val server = start()
    try {
        body(server)
    } finally {
        server.close()
    }
    awaitCondition(10.seconds, { "threads left running: ${(serverThreads() - threadsBefore).map { it.name }}" }) {
        (serverThreads() - threadsBefore).isEmpty()
    }
    awaitCondition(10.seconds, { "fds left open: ${serverFds(openFds() - fdsBefore.keys)}" }) {
        serverFds(openFds() - fdsBefore.keys).isEmpty()
    }
}

/**
 * The fds among [fds] that a server could have opened: TCP and UDP sockets, epoll instances and
 * eventfds. The JVM opens other fds of its own at times (jars, a netlink socket once).
 */
internal fun serverFds(fds: Map<Int, String>): Map<Int, String> {
    val inetInodes = listOf("tcp", "tcp6", "udp", "udp6").flatMap { table ->
        File("/proc/self/net/$table").readLines().drop(1).mapNotNull { it.trim().split(Regex("\\s+")).getOrNull(9) }
    }.toSet()
    return fds.filterValues { target ->
        target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]" ||
            target.startsWith("socket:[") && target.removePrefix("socket:[").removeSuffix("]") in inetInodes
    }
}

/** Polls [condition] every 20 ms until it holds, failing with [message] after [within]. */
fun awaitCondition(within: Duration, message: () -> String, condition: () -> Boolean) {
    val deadline = System.nanoTime() + within.inWholeNanoseconds
    while (!condition()) {
        check(System.nanoTime() < deadline) { message() }
        Thread.sleep(20)
    }
}

/** A blocking java.net client connection to [address], with a generous read timeout. */
fun connect(address: InetSocketAddress, readTimeoutMillis: Int = 20_000): Socket =
    Socket(address.address, address.port).apply { soTimeout = readTimeoutMillis }

/** `HOST:PORT` for command-line clients. */
val InetSocketAddress.hostPort: String get() = "${address.hostAddress}:$port"

/** Reads [expected]'s length back, failing if it has not all come within [within] (a stall). */
fun Socket.expectEcho(expected: String, within: Duration = 2.seconds) {
    val got = StringBuilder()
    val deadline = System.nanoTime() + within.inWholeNanoseconds
    val timeoutBefore = soTimeout
    try {
        while (got.length < expected.length) {
            soTimeout = ((deadline - System.nanoTime()) / 1_000_000).toInt().coerceAtLeast(1)
            val b = getInputStream().read()
            check(b >= 0) { "end of stream after '$got'" }
            got.append(b.toChar())
        }
    } catch (stall: java.net.SocketTimeoutException) {
        error("the echo stalled after '$got' of '$expected' for $within")
    } finally {
        soTimeout = timeoutBefore
    }
    check(got.toString() == expected) { "echoed '$got', expected '$expected'" }
}
