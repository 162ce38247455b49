package io.jmio.reliability

import io.jmio.core.ProcFds

/**
 * Counts of this process's sockets, pipes, epoll instances and eventfds: the fds jmio makes. The
 * JVM opens jar files and /dev/random meanwhile; those are no leak of ours and are not counted.
 */
object KernelFds {
    fun count(): Int = ProcFds.list().values.count { isKernelObject(it) }

    fun isKernelObject(target: String): Boolean =
        target.startsWith("socket:") || target.startsWith("pipe:") || target.startsWith("anon_inode:")

    /**
     * Waits (bounded) until the count is back at [baseline] and returns the last count seen: a peer
     * thread or loop may still be closing its end when the caller finishes.
     */
    fun settleTo(baseline: Int, withinMillis: Long = 10_000): Int {
        val deadline = System.nanoTime() + withinMillis * 1_000_000
        var now = count()
        while (now > baseline && System.nanoTime() < deadline) {
            Thread.sleep(20)
            now = count()
        }
        return now
    }
}
