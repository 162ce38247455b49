package io.jmio.testing

import com.sun.jna.Library
import com.sun.jna.Native
import io.jmio.Event
import io.jmio.Events
import io.jmio.Poll
import io.jmio.unix.PipeReceiver
import io.jmio.unix.UnixDatagram
import io.jmio.unix.UnixStream
import java.io.File
import java.io.IOException
import java.net.StandardProtocolFamily
import java.net.UnixDomainSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/**
 * Helpers for the Unix socket and pipe suites, kept inside one object so they never clash with
 * other suites' helpers in this package. Import members as `io.jmio.testing.UnixTesting.expectEvents`.
 */
object UnixTesting {
    /** What an expected event must show; any other flags it carries are ignored, as in mio's tests. */
    enum class Readiness { READABLE, WRITABLE, READ_CLOSED, WRITE_CLOSED }

    /** Polls up to this long in total for expected events: generous for a loaded 2-core machine. */
    private const val EXPECT_MILLIS = 10_000L

    /** How long "no events" must hold. */
    private const val QUIET_MILLIS = 100L

    private fun Event.shows(readiness: Readiness): Boolean = when (readiness) {
        Readiness.READABLE -> isReadable
        Readiness.WRITABLE -> isWritable
        Readiness.READ_CLOSED -> isReadClosed
        Readiness.WRITE_CLOSED -> isWriteClosed
    }

    /**
     * mio's `expect_events`: polls until every expected (token, readiness) pair has been seen in
     * some event, ignoring other events; fails after [EXPECT_MILLIS].
     */
    fun expectEvents(poll: Poll, events: Events, vararg expected: Pair<Long, Readiness>) {
        val missing = expected.toMutableList()
        val seen = mutableListOf<String>()
        val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXPECT_MILLIS)
        while (missing.isNotEmpty() && System.nanoTime() < deadline) {
            poll.poll(events, 500L)
            for (event in events) {
                seen += event.toString()
                missing.removeAll { (token, readiness) -> event.token() == token && event.shows(readiness) }
            }
        }
        check(missing.isEmpty()) { "expected events $missing never came; saw $seen" }
    }

    /** mio's `expect_no_events`: a poll of [QUIET_MILLIS] returns nothing. */
    fun expectNoEvents(poll: Poll, events: Events) {
        poll.poll(events, QUIET_MILLIS)
        check(events.isEmpty) { "expected no events, got ${events.map { it.toString() }}" }
    }

    /** mio's test payloads. */
    val DATA1: ByteArray = "Hello same host!".toByteArray()
    val DATA2: ByteArray = "Why hello mio!".toByteArray()

    /** Runs [block] with both ends of a fresh [UnixStream.pair], closing them afterwards. */
    inline fun <T> withStreamPair(block: (UnixStream, UnixStream) -> T): T {
        val (a, b) = UnixStream.pair()
        return a.use { b.use { block(a, b) } }
    }

    /** Runs [block] with both ends of a fresh [UnixDatagram.pair], closing them afterwards. */
    inline fun <T> withDatagramPair(block: (UnixDatagram, UnixDatagram) -> T): T {
        val (a, b) = UnixDatagram.pair()
        return a.use { b.use { block(a, b) } }
    }

    /** Runs [block] with a fresh temporary directory and deletes it (and what the test left in it) afterwards. */
    inline fun <T> withTempDir(block: (Path) -> T): T {
        val dir = Files.createTempDirectory("jmio-unix-")
        try {
            return block(dir)
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    /** How many fds this process has open. */
    fun openFdCount(): Int = File("/proc/self/fd").list()!!.size - 1 // minus the one listing the directory

    /** The `flags:` line of /proc/self/fdinfo: the fd's open flags, O_CLOEXEC included. */
    fun fdFlags(fd: Int): Int {
        val line = File("/proc/self/fdinfo/$fd").readLines().first { it.startsWith("flags:") }
        return line.substringAfter(':').trim().toInt(8)
    }

    private const val O_NONBLOCK = 0x800
    private const val O_CLOEXEC = 0x80000

    fun isNonBlocking(fd: Int): Boolean = fdFlags(fd) and O_NONBLOCK != 0

    fun isCloseOnExec(fd: Int): Boolean = fdFlags(fd) and O_CLOEXEC != 0

    /** The identity of the file behind an fd ("pipe:[1234]", "socket:[5678]"). */
    fun fdTarget(fd: Int): String = Files.readSymbolicLink(Path.of("/proc/self/fd/$fd")).toString()

    /**
     * How many of this process's fds refer to one of [targets] (see [fdTarget]). Unlike [openFdCount], other
     * threads of the JVM (the JIT, the GC, a test's stragglers) opening or closing their own fds cannot move it.
     */
    fun openFdsTo(vararg targets: String): Int =
        File("/proc/self/fd").listFiles()!!.count { link ->
            try {
                Files.readSymbolicLink(link.toPath()).toString() in targets
            } catch (closedMeanwhile: IOException) {
                false
            }
        }

    fun direct(bytes: ByteArray): ByteBuffer = ByteBuffer.allocateDirect(bytes.size).put(bytes).flip()

    fun direct(text: String): ByteBuffer = direct(text.toByteArray())

    /** The bytes between position 0 and the buffer's position (what reads put there). */
    fun ByteBuffer.written(): ByteArray {
        val copy = duplicate().flip()
        return ByteArray(copy.remaining()).also { copy.get(it) }
    }

    /**
     * Calls [attempt] until it reports progress (a non-zero result), polling [poll] between
     * attempts; fails after [EXPECT_MILLIS]. For "wait until this read or write goes through".
     */
    fun <T : Number> retryUntilDone(poll: Poll, events: Events, attempt: () -> T): T {
        val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXPECT_MILLIS)
        while (true) {
            val result = attempt()
            if (result.toLong() != 0L) return result
            check(System.nanoTime() < deadline) { "operation made no progress in $EXPECT_MILLIS ms" }
            poll.poll(events, 50L)
        }
    }

    /** Reads with [read] until [buffer] holds [count] bytes, polling whenever a read would block. */
    fun readAtLeast(poll: Poll, events: Events, buffer: ByteBuffer, count: Int, read: (ByteBuffer) -> Int) {
        while (buffer.position() < count) {
            val n = retryUntilDone(poll, events) { read(buffer) }
            check(n > 0) { "end of stream after ${buffer.position()} of $count bytes" }
        }
    }

    /** Raw libc for tests that need fds jmio would never make (blocking ones). */
    private interface TestLibC : Library {
        fun pipe(fds: IntArray): Int
        fun close(fd: Int): Int
        fun open(path: String, flags: Int): Int
        fun fcntl(fd: Int, cmd: Int, arg: Int): Int
    }

    private val libc: TestLibC by lazy { Native.load("c", TestLibC::class.java) }

    /** A plain blocking pipe without close-on-exec, as `{readEnd, writeEnd}`; the caller closes both. */
    fun rawBlockingPipe(): IntArray = IntArray(2).also { check(libc.pipe(it) == 0) { "pipe failed" } }

    fun closeRawFd(fd: Int) {
        libc.close(fd)
    }

    /** `open(path, O_RDWR)`, blocking and without close-on-exec; the caller closes it. */
    fun rawOpen(path: Path): Int = libc.open(path.toString(), 2).also { check(it >= 0) { "open $path failed" } }

    /**
     * Reads from [receiver], whose fd another holder made blocking, on a thread of its own, while
     * a child process writes one byte to [writeEnd] (an fd of this process) 4 s later; meanwhile
     * runs `System.gc()` and returns how long it took. A GC-blocking (critical) read that blocks
     * holds off the GC's safepoint until the write; an ordinary one does not.
     */
    fun gcMillisWhileBlockedReading(receiver: PipeReceiver, writeEnd: Int): Long {
        val pid = ProcessHandle.current().pid()
        val unblocker = ProcessBuilder("sh", "-c", "sleep 4; printf x > /proc/$pid/fd/$writeEnd").start()
        try {
            val reader = thread(name = "blocked-reader") { receiver.read(ByteBuffer.allocateDirect(8)) }
            Thread.sleep(500) // the reader is inside read(2) by now
            val started = System.nanoTime()
            val gc = thread(name = "gc") { System.gc() }
            gc.join(20_000)
            val millis = (System.nanoTime() - started) / 1_000_000
            reader.join(20_000)
            check(!reader.isAlive) { "the blocked read never returned" }
            return millis
        } finally {
            unblocker.waitFor(20, TimeUnit.SECONDS)
            unblocker.destroyForcibly()
        }
    }

    /**
     * Clears O_NONBLOCK on [fd]'s open file description, as any other process holding it may at
     * any time: what an adopted fd must survive.
     */
    fun makeBlocking(fd: Int) {
        val flags = libc.fcntl(fd, 3 /* F_GETFL */, 0)
        check(flags >= 0 && libc.fcntl(fd, 4 /* F_SETFL */, flags and O_NONBLOCK.inv()) == 0) { "fcntl failed" }
    }

    /**
     * A blocking JDK Unix-socket server on a thread (an implementation independent of jmio, as mio's
     * tests use std's): accepts up to [connections] connections one after another and runs [serve]
     * on each. [close] stops it and waits for the thread.
     */
    class JdkUnixServer(
        val path: Path,
        private val connections: Int,
        private val serve: (SocketChannel) -> Unit,
    ) : AutoCloseable {
        private val server: ServerSocketChannel =
            ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path))
        private val accepted = CopyOnWriteArrayList<SocketChannel>()
        private val failures = CopyOnWriteArrayList<Throwable>()
        private val thread = Thread({
            try {
                repeat(connections) {
                    val channel = server.accept()
                    accepted += channel
                    channel.use(serve)
                }
            } catch (e: java.nio.channels.AsynchronousCloseException) {
                // closed by close()
            } catch (e: Throwable) {
                failures += e
            }
        }, "jdk-unix-server").apply { isDaemon = true; start() }

        /** Waits for the server thread to finish its connections; rethrows what it failed with. */
        fun join() {
            thread.join(EXPECT_MILLIS)
            check(!thread.isAlive) { "server thread still running" }
            failures.firstOrNull()?.let { throw AssertionError("server failed", it) }
        }

        override fun close() {
            server.close()
            accepted.forEach { it.close() }
            thread.join(EXPECT_MILLIS)
            Files.deleteIfExists(path)
        }

        companion object {
            /** Echoes everything it reads until end of stream (or a reset). */
            fun echo(path: Path, connections: Int = 1) = JdkUnixServer(path, connections) { channel ->
                val buffer = ByteBuffer.allocate(64)
                try {
                    while (channel.read(buffer) >= 0) {
                        buffer.flip()
                        while (buffer.hasRemaining()) channel.write(buffer)
                        buffer.clear()
                    }
                } catch (e: java.io.IOException) {
                    // the jmio side shut down or reset the connection: the echo is over
                }
            }
        }
    }
}
