package io.jmio.sys

import io.jmio.Jmio

/**
 * Run in a child JVM by [BackendSelectionTest]: prints the backend this JVM chose, or
 * `unsupported: <reason>`, then proves the backend works with one real call.
 */
object BackendProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        val backend = try {
            Jmio.backend()
        } catch (e: UnsupportedOperationException) {
            println("unsupported: ${e.message}")
            return
        }
        val fd = Syscalls.require().eventfd(0, Linux.EFD_NONBLOCK or Linux.EFD_CLOEXEC)
        check(fd >= 0) { "eventfd failed: errno ${-fd}" }
        Syscalls.require().close(fd)
        println(backend)
    }
}
