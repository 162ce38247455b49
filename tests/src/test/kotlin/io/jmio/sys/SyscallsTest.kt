package io.jmio.sys

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * The backend contract, call by call, on whichever backend this JVM runs (CI runs the suite once
 * per backend): results are `>= 0` or `-errno`, and every argument reaches the kernel intact.
 */
class SyscallsTest : FunSpec({
    val sys = Syscalls.require()

    /** Native memory for one test; `at(offset)` is its address. */
    class Memory(size: Int = 4096) {
        val buffer: ByteBuffer = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder())
        private val base = sys.address(buffer)
        fun at(offset: Int): Long = base + offset
    }

    fun checked(result: Long): Long {
        result shouldBeGreaterThanOrEqual 0L
        return result
    }

    fun checked(result: Int): Int {
        result shouldBeGreaterThanOrEqual 0
        return result
    }

    /** Two connected fds from `socketpair` (or `pipe2` when [pipe]); closed by [block]'s end. */
    fun <T> withPair(memory: Memory, pipe: Boolean = false, type: Int = Linux.SOCK_STREAM, block: (Int, Int) -> T): T {
        if (pipe) {
            checked(sys.pipe2(memory.at(0), Linux.O_NONBLOCK or Linux.O_CLOEXEC))
        } else {
            checked(sys.socketpair(Linux.AF_UNIX, type or Linux.SOCK_NONBLOCK or Linux.SOCK_CLOEXEC, 0, memory.at(0)))
        }
        val first = memory.buffer.getInt(0)
        val second = memory.buffer.getInt(4)
        try {
            return block(first, second)
        } finally {
            sys.close(first) shouldBe 0
            sys.close(second) shouldBe 0
        }
    }

    test("address is a direct buffer's index 0 whatever its position, and a slice's start") {
        val memory = Memory()
        memory.buffer.put(500, 42)
        memory.buffer.position(100)
        sys.address(memory.buffer) shouldBe memory.at(0)
        val slice = memory.buffer.slice()
        sys.address(slice) shouldBe memory.at(100)
        withPair(memory, pipe = true) { readEnd, writeEnd ->
            sys.write(writeEnd, memory.at(500), 1) shouldBe 1L
            sys.read(readEnd, sys.address(slice) + 7, 1) shouldBe 1L
            memory.buffer.get(107) shouldBe 42.toByte()
        }
    }

    test("failures return minus errno, never throw") {
        val memory = Memory()
        sys.read(-1, memory.at(0), 1) shouldBe -Errno.EBADF.toLong()
        sys.write(-1, memory.at(0), 1) shouldBe -Errno.EBADF.toLong()
        sys.close(-1) shouldBe -Errno.EBADF
        sys.epollCtl(-1, Linux.EPOLL_CTL_ADD, 0, memory.at(0)) shouldBe -Errno.EBADF
        sys.listen(-1, 1) shouldBe -Errno.EBADF
        withPair(memory, pipe = true) { readEnd, _ ->
            sys.read(readEnd, memory.at(16), 8) shouldBe -Errno.EAGAIN.toLong()
            sys.listen(readEnd, 1) shouldBe -Errno.ENOTSOCK
        }
    }

    test("write then read moves every byte through a pipe and a socketpair") {
        val memory = Memory()
        for (i in 0 until 64) memory.buffer.put(1024 + i, i.toByte())
        for (pipe in listOf(true, false)) {
            withPair(memory, pipe) { a, b ->
                val (from, to) = if (pipe) b to a else a to b
                sys.write(from, memory.at(1024), 64) shouldBe 64L
                sys.read(to, memory.at(2048), 100) shouldBe 64L
                for (i in 0 until 64) memory.buffer.get(2048 + i) shouldBe i.toByte()
            }
        }
    }

    test("writev gathers and readv scatters in iovec order") {
        val memory = Memory()
        val iov = 256
        fun iovec(index: Int, offset: Int, length: Int) {
            memory.buffer.putLong(iov + index * Layout.IOVEC_SIZE + Layout.IOVEC_BASE, memory.at(offset))
            memory.buffer.putLong(iov + index * Layout.IOVEC_SIZE + Layout.IOVEC_LEN, length.toLong())
        }
        "abc".forEachIndexed { i, c -> memory.buffer.put(1000 + i, c.code.toByte()) }
        "defgh".forEachIndexed { i, c -> memory.buffer.put(2000 + i, c.code.toByte()) }
        withPair(memory) { a, b ->
            iovec(0, 1000, 3)
            iovec(1, 2000, 5)
            sys.writev(a, memory.at(iov), 2) shouldBe 8L
            iovec(0, 3000, 6)
            iovec(1, 3500, 10)
            sys.readv(b, memory.at(iov), 2) shouldBe 8L
            val text = (0 until 6).map { memory.buffer.get(3000 + it).toInt().toChar() }.joinToString("") +
                (0 until 2).map { memory.buffer.get(3500 + it).toInt().toChar() }.joinToString("")
            text shouldBe "abcdefgh"
        }
    }

    test("fcntl reads and sets an fd's flags through its variadic int argument") {
        val efd = checked(sys.eventfd(0, Linux.EFD_NONBLOCK or Linux.EFD_CLOEXEC))
        try {
            sys.fcntl(efd, Linux.F_GETFL, 0) and Linux.O_NONBLOCK shouldBe Linux.O_NONBLOCK
            sys.fcntl(efd, Linux.F_GETFD, 0) and Linux.FD_CLOEXEC shouldBe Linux.FD_CLOEXEC
            sys.fcntl(efd, Linux.F_SETFL, 0) shouldBe 0
            sys.fcntl(efd, Linux.F_GETFL, 0) and Linux.O_NONBLOCK shouldBe 0
            sys.fcntl(efd, Linux.F_SETFL, Linux.O_NONBLOCK) shouldBe 0
            sys.fcntl(efd, Linux.F_GETFL, 0) and Linux.O_NONBLOCK shouldBe Linux.O_NONBLOCK
            sys.fcntl(-1, Linux.F_GETFL, 0) shouldBe -Errno.EBADF
        } finally {
            sys.close(efd)
        }
    }

    test("epoll reports an eventfd made readable, with its data, through both wait paths") {
        val memory = Memory()
        val epfd = checked(sys.epollCreate1(Linux.EPOLL_CLOEXEC))
        val efd = checked(sys.eventfd(0, Linux.EFD_NONBLOCK or Linux.EFD_CLOEXEC))
        try {
            val event = 0
            val events = 64
            memory.buffer.putInt(event + Layout.EPOLL_EVENT_EVENTS, Linux.EPOLLIN)
            memory.buffer.putLong(event + Layout.EPOLL_EVENT_DATA, 0x1234_5678_9ABCL)
            sys.epollCtl(epfd, Linux.EPOLL_CTL_ADD, efd, memory.at(event)) shouldBe 0
            sys.epollCtl(epfd, Linux.EPOLL_CTL_ADD, efd, memory.at(event)) shouldBe -Errno.EEXIST
            sys.epollWait(epfd, memory.at(events), 8, 0) shouldBe 0
            sys.epollWait(epfd, memory.at(events), 8, 5) shouldBe 0
            memory.buffer.putLong(512, 1L)
            sys.write(efd, memory.at(512), 8) shouldBe 8L
            for (timeout in listOf(0, 1000)) {
                sys.epollWait(epfd, memory.at(events), 8, timeout) shouldBe 1
                memory.buffer.getInt(events + Layout.EPOLL_EVENT_EVENTS) and Linux.EPOLLIN shouldBe Linux.EPOLLIN
                memory.buffer.getLong(events + Layout.EPOLL_EVENT_DATA) shouldBe 0x1234_5678_9ABCL
            }
            sys.epollCtl(epfd, Linux.EPOLL_CTL_DEL, efd, 0) shouldBe 0
            sys.epollWait(epfd, memory.at(events), 8, 0) shouldBe 0
        } finally {
            sys.close(efd)
            sys.close(epfd)
        }
    }

    test("TCP over loopback: bind, listen, connect, accept4, names, options and shutdown") {
        val memory = Memory()
        val address = 0
        val length = 200
        val value = 300
        val valueLength = 400
        fun sockaddrLength(): Int = memory.buffer.getInt(length)
        val listener = checked(sys.socket(Linux.AF_INET, Linux.SOCK_STREAM or Linux.SOCK_NONBLOCK or Linux.SOCK_CLOEXEC, 0))
        val client = checked(sys.socket(Linux.AF_INET, Linux.SOCK_STREAM or Linux.SOCK_CLOEXEC, 0))
        var accepted = -1
        try {
            val loopback = InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)
            val size = SockAddr.encodeInet(memory.buffer, address, Linux.AF_INET, loopback)
            sys.bind(listener, memory.at(address), size) shouldBe 0
            sys.listen(listener, 16) shouldBe 0
            memory.buffer.putInt(length, Layout.SOCKADDR_STORAGE_SIZE)
            sys.getsockname(listener, memory.at(address), memory.at(length)) shouldBe 0
            val bound = SockAddr.decodeInet(memory.buffer, address, sockaddrLength())
            sys.accept4(listener, memory.at(address), memory.at(length), Linux.SOCK_CLOEXEC) shouldBe -Errno.EAGAIN

            val target = SockAddr.encodeInet(memory.buffer, address, Linux.AF_INET, bound)
            sys.connect(client, memory.at(address), target) shouldBe 0
            memory.buffer.putInt(length, Layout.SOCKADDR_STORAGE_SIZE)
            accepted = checked(sys.accept4(listener, memory.at(address), memory.at(length),
                Linux.SOCK_NONBLOCK or Linux.SOCK_CLOEXEC))
            val peerOfAccepted = SockAddr.decodeInet(memory.buffer, address, sockaddrLength())
            memory.buffer.putInt(length, Layout.SOCKADDR_STORAGE_SIZE)
            sys.getsockname(client, memory.at(address), memory.at(length)) shouldBe 0
            SockAddr.decodeInet(memory.buffer, address, sockaddrLength()) shouldBe peerOfAccepted
            memory.buffer.putInt(length, Layout.SOCKADDR_STORAGE_SIZE)
            sys.getpeername(client, memory.at(address), memory.at(length)) shouldBe 0
            SockAddr.decodeInet(memory.buffer, address, sockaddrLength()) shouldBe bound

            memory.buffer.putInt(value, 1)
            sys.setsockopt(client, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, memory.at(value), 4) shouldBe 0
            memory.buffer.putInt(value, 0)
            memory.buffer.putInt(valueLength, 4)
            sys.getsockopt(client, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, memory.at(value), memory.at(valueLength)) shouldBe 0
            memory.buffer.getInt(value) shouldBe 1
            memory.buffer.getInt(valueLength) shouldBe 4

            sys.shutdown(client, Linux.SHUT_WR) shouldBe 0
            var n = -Errno.EAGAIN.toLong()
            val deadline = System.nanoTime() + 10_000_000_000L
            while (n == -Errno.EAGAIN.toLong() && System.nanoTime() < deadline) {
                n = sys.read(accepted, memory.at(1000), 16)
                if (n == -Errno.EAGAIN.toLong()) Thread.sleep(1)
            }
            n shouldBe 0L // end of stream after the peer's shutdown
        } finally {
            if (accepted >= 0) sys.close(accepted)
            sys.close(client)
            sys.close(listener)
        }
    }

    test("sendto and recvfrom, sendmsg and recvmsg carry datagrams and their flags") {
        val memory = Memory()
        for (i in 0 until 32) memory.buffer.put(1000 + i, (i * 3).toByte())
        withPair(memory, type = Linux.SOCK_DGRAM) { a, b ->
            sys.sendto(a, memory.at(1000), 32, 0, 0, 0) shouldBe 32L
            sys.recvfrom(b, memory.at(2000), 64, Linux.MSG_PEEK, 0, 0) shouldBe 32L
            sys.recvfrom(b, memory.at(2000), 64, 0, 0, 0) shouldBe 32L
            sys.recvfrom(b, memory.at(2000), 64, 0, 0, 0) shouldBe -Errno.EAGAIN.toLong()
            for (i in 0 until 32) memory.buffer.get(2000 + i) shouldBe (i * 3).toByte()

            val msghdr = 256
            val iov = 384
            fun message(offset: Int, length: Int) {
                for (i in 0 until Layout.MSGHDR_SIZE) memory.buffer.put(msghdr + i, 0)
                memory.buffer.putLong(iov + Layout.IOVEC_BASE, memory.at(offset))
                memory.buffer.putLong(iov + Layout.IOVEC_LEN, length.toLong())
                memory.buffer.putLong(msghdr + Layout.MSGHDR_IOV, memory.at(iov))
                memory.buffer.putLong(msghdr + Layout.MSGHDR_IOVLEN, 1)
            }
            message(1000, 32)
            sys.sendmsg(a, memory.at(msghdr), Linux.MSG_NOSIGNAL) shouldBe 32L
            message(3000, 8)
            sys.recvmsg(b, memory.at(msghdr), 0) shouldBe 8L
            val truncated = 0x20 // MSG_TRUNC: the datagram was longer than the buffer
            memory.buffer.getInt(msghdr + Layout.MSGHDR_FLAGS) and truncated shouldBe truncated
            for (i in 0 until 8) memory.buffer.get(3000 + i) shouldBe (i * 3).toByte()
        }
    }
})
