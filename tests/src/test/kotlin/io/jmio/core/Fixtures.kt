package io.jmio.core

import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Platform
import io.jmio.Event
import io.jmio.Events
import io.jmio.Poll
import java.io.File
import java.lang.management.ManagementFactory
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.time.Duration

/**
 * The libc calls the tests use to make fds of their own. Mapped here, not through jmio's native
 * layer, so fixtures do not depend on the code under test.
 */
interface TestLibC : Library {
    fun eventfd(initval: Int, flags: Int): Int
    fun pipe2(fds: IntArray, flags: Int): Int
    fun open(path: String, flags: Int): Int
    fun write(fd: Int, buf: ByteArray, count: Long): Long
    fun read(fd: Int, buf: ByteArray, count: Long): Long
    fun close(fd: Int): Int
    fun setsockopt(fd: Int, level: Int, name: Int, value: IntArray, length: Int): Int
    fun gettid(): Int
    fun pthread_self(): Long
    fun pthread_kill(thread: Long, sig: Int): Int

    companion object {
        val C: TestLibC = Native.load(Platform.C_LIBRARY_NAME, TestLibC::class.java)
        const val O_NONBLOCK = 0x800
        const val O_CLOEXEC = 0x80000
        const val SIGPIPE = 13
        const val SOL_SOCKET = 1
        const val SO_OOBINLINE = 10
    }
}

private fun check(result: Int, what: String): Int {
    check(result >= 0) { "$what failed: errno ${Native.getLastError()}" }
    return result
}

/** A non-blocking eventfd owned by the test: readable while its counter is non-zero, always writable. */
class TestEventFd(initialValue: Int = 0) : AutoCloseable {
    val fd = check(TestLibC.C.eventfd(initialValue, TestLibC.O_NONBLOCK or TestLibC.O_CLOEXEC), "eventfd")

    /** Adds [value] to the counter: makes the fd readable (a new edge). */
    fun add(value: Long = 1) {
        val bytes = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(value).array()
        check(TestLibC.C.write(fd, bytes, 8) == 8L) { "eventfd write failed: errno ${Native.getLastError()}" }
    }

    override fun close() {
        TestLibC.C.close(fd)
    }
}

/** A non-blocking pipe owned by the test; either end may be closed early. */
class TestPipe : AutoCloseable {
    private val fds = IntArray(2).also { check(TestLibC.C.pipe2(it, TestLibC.O_NONBLOCK or TestLibC.O_CLOEXEC), "pipe2") }
    val readFd get() = fds[0]
    val writeFd get() = fds[1]
    private val open = booleanArrayOf(true, true)

    fun write(bytes: ByteArray) {
        check(TestLibC.C.write(writeFd, bytes, bytes.size.toLong()) == bytes.size.toLong()) { "pipe write failed" }
    }

    fun closeRead() = closeEnd(0)

    fun closeWrite() = closeEnd(1)

    private fun closeEnd(end: Int) {
        if (open[end]) {
            open[end] = false
            TestLibC.C.close(fds[end])
        }
    }

    override fun close() {
        closeRead()
        closeWrite()
    }
}

/** What /proc says about this process's file descriptors. */
object ProcFds {
    const val EPOLL = "anon_inode:[eventpoll]"
    const val EVENTFD = "anon_inode:[eventfd]"

    /** Every open fd and what it points to. */
    fun list(): Map<Int, String> =
        File("/proc/self/fd").listFiles().orEmpty().mapNotNull { entry ->
            val fd = entry.name.toIntOrNull() ?: return@mapNotNull null
            val target = runCatching { Files.readSymbolicLink(entry.toPath()).toString() }.getOrNull()
            target?.let { fd to it }
        }.toMap()

    fun count(kind: String): Int = list().values.count { it == kind }

    /**
     * Whether [fd] is open and is a [kind]. The kind matters: any JVM thread may briefly take a
     * freed fd number (the lowest free one) for a file of its own.
     */
    fun isOpen(fd: Int, kind: String): Boolean =
        runCatching { Files.readSymbolicLink(File("/proc/self/fd/$fd").toPath()).toString() }.getOrNull() == kind

    /** The fds of [kind] that are open now but were not in [before]. */
    fun opened(before: Map<Int, String>, kind: String): List<Int> =
        list().filter { (fd, target) -> target == kind && before[fd] != target }.keys.toList()

    /** The open-file flags of [fd] (octal in /proc/self/fdinfo), e.g. O_CLOEXEC and O_NONBLOCK. */
    fun flags(fd: Int): Int =
        File("/proc/self/fdinfo/$fd").readLines().first { it.startsWith("flags:") }.substringAfter(':').trim().toInt(8)

    /** Whether thread [tid] of this process is blocked in one of the epoll wait syscalls. */
    fun isInEpollWait(tid: Int): Boolean {
        val syscall = runCatching { File("/proc/self/task/$tid/syscall").readText().trim() }.getOrNull() ?: return false
        val number = syscall.substringBefore(' ').toIntOrNull() ?: return false
        return number in EPOLL_WAIT_SYSCALLS
    }

    // The numbers /proc shows are the kernel's own: under user-mode emulation (the aarch64 CI leg
    // runs an arm64 JVM on qemu-user over an x86-64 kernel) they are the host's, not the JVM's
    // os.arch's, so the kernel's architecture picks the table.
    private val EPOLL_WAIT_SYSCALLS = when (kernelArch()) {
        "amd64", "x86_64" -> setOf(232, 281, 441) // epoll_wait, epoll_pwait, epoll_pwait2
        "aarch64" -> setOf(22, 441) // epoll_pwait, epoll_pwait2
        else -> emptySet()
    }

    /** The running kernel's architecture (`uname -m`), or os.arch if /proc does not say. */
    private fun kernelArch(): String =
        runCatching { File("/proc/sys/kernel/arch").readText().trim() }.getOrNull()?.takeIf { it.isNotEmpty() }
            ?: System.getProperty("os.arch")

    /** Waits (bounded) until thread [tid] sits in epoll_wait; false if it never did. */
    fun awaitEpollWait(tid: Int, within: Duration = Duration.ofSeconds(10)): Boolean {
        val deadline = System.nanoTime() + within.toNanos()
        while (System.nanoTime() < deadline) {
            if (isInEpollWait(tid)) return true
            Thread.sleep(1)
        }
        return false
    }
}

/** Bytes allocated on the calling thread, as the JVM counts them (TLAB and outside). */
object Allocations {
    private val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

    @Suppress("DEPRECATION") // Thread.getId: threadId() needs JDK 19
    fun current(): Long = threads.getThreadAllocatedBytes(Thread.currentThread().id)

    inline fun measure(block: () -> Unit): Long {
        val before = current()
        block()
        return current() - before
    }

    /**
     * Bytes [thread] allocates per operation once the JIT has settled: runs [round] (which does
     * [operations] operations) again and again, up to 10 times or 60 s, and returns the lowest
     * figure, stopping at the first round that allocates nothing. A fixed warm-up is not enough for
     * the FFM backend, whose downcalls allocate until C2 compiles them, later on a busy machine.
     */
    @Suppress("DEPRECATION") // Thread.getId: threadId() needs JDK 19
    fun steadyStatePerOperation(operations: Int, thread: Thread = Thread.currentThread(), round: () -> Unit): Double {
        val deadline = System.nanoTime() + 60_000_000_000L
        var lowest = Double.MAX_VALUE
        for (attempt in 1..10) {
            val before = threads.getThreadAllocatedBytes(thread.id)
            round()
            val bytes = threads.getThreadAllocatedBytes(thread.id) - before
            lowest = minOf(lowest, bytes.toDouble() / operations)
            if (bytes == 0L || System.nanoTime() > deadline) break
        }
        return lowest
    }
}

/** A copy of an event's token and flags, safe to keep after the next poll. */
data class Seen(
    val token: Long,
    val readable: Boolean,
    val writable: Boolean,
    val error: Boolean,
    val readClosed: Boolean,
    val writeClosed: Boolean,
    val priority: Boolean,
) {
    constructor(event: Event) : this(
        event.token(), event.isReadable(), event.isWritable(), event.isError(),
        event.isReadClosed(), event.isWriteClosed(), event.isPriority(),
    )
}

fun Events.snapshot(): List<Seen> = map(::Seen)

/** Polls until every token in [tokens] has been seen (at most [polls] polls of [each]); returns all events seen. */
fun Poll.pollUntilSeen(
    events: Events,
    tokens: Set<Long>,
    polls: Int = 10,
    each: Duration = Duration.ofMillis(500),
): List<Seen> {
    val seen = mutableListOf<Seen>()
    repeat(polls) {
        poll(events, each)
        seen += events.snapshot()
        if (seen.map { it.token }.containsAll(tokens)) return seen
    }
    return seen
}

/** The events of one short poll: what "no events" means in these tests. */
fun Poll.pollBriefly(events: Events, wait: Duration = Duration.ofMillis(100)): List<Seen> {
    poll(events, wait)
    return events.snapshot()
}
