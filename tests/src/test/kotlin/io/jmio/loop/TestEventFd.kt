package io.jmio.loop

import io.jmio.sys.Linux
import io.jmio.sys.Syscalls
import io.jmio.unix.SourceFd
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * A non-blocking eventfd made through the JNA backend, for loop tests that need a source that is
 * readable on demand before sockets exist. Readable while its counter is non-zero; every
 * [signal] is a new edge for an edge-triggered registration.
 */
class TestEventFd : AutoCloseable {
    private val sys = Syscalls.require()
    private val memory = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).putLong(0, 1L)
    private val address = sys.address(memory)
    val fd: Int = sys.eventfd(0, Linux.EFD_CLOEXEC or Linux.EFD_NONBLOCK).also {
        check(it >= 0) { "eventfd failed: errno ${-it}" }
    }
    val source = SourceFd(fd)
    private var open = true

    /** Adds one to the counter: the fd becomes (or stays) readable. */
    fun signal() {
        check(sys.write(fd, address, 8) == 8L) { "eventfd write failed" }
    }

    /** Reads the counter back to zero; returns whether it was non-zero. */
    fun drain(): Boolean = sys.read(fd, address + 8, 8) == 8L

    override fun close() {
        if (open) {
            open = false
            sys.close(fd)
        }
    }
}

/** How many of this process's fds are an epoll instance or an eventfd. */
fun countLoopFds(): Int =
    File("/proc/self/fd").listFiles()!!.count { link ->
        val target = runCatching { java.nio.file.Files.readSymbolicLink(link.toPath()).toString() }.getOrNull()
        target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]"
    }

/** Bytes allocated so far by [thread], the current one by default (HotSpot's per-thread counter). */
@Suppress("DEPRECATION") // Thread.threadId() is JDK 19+
fun allocatedBytes(thread: Thread = Thread.currentThread()): Long =
    (java.lang.management.ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean)
        .getThreadAllocatedBytes(thread.id)
