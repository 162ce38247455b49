package io.jmio.core

import com.sun.jna.Native
import com.sun.jna.Pointer
import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.sys.Backends
import io.jmio.sys.DirectAddress
import io.jmio.sys.Epoll
import io.jmio.sys.Errno
import io.jmio.sys.Layout
import io.jmio.sys.Linux
import io.jmio.sys.Syscalls
import io.jmio.unix.SourceFd
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeIn
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer
import java.time.Duration

private fun jnaAddress(buffer: ByteBuffer): Long = Pointer.nativeValue(Native.getDirectBufferPointer(buffer))

private fun javaFeature(): Int = Runtime.version().feature()

/** Runs [block] with system property [key] set to [value], then restores it. */
private inline fun <T> withProperty(key: String, value: String, block: () -> T): T {
    val old = System.getProperty(key)
    System.setProperty(key, value)
    try {
        return block()
    } finally {
        if (old == null) System.clearProperty(key) else System.setProperty(key, old)
    }
}

/** Direct buffers and slices of them at several offsets. */
private fun directBuffersAndSlices(): List<ByteBuffer> {
    val base = ByteBuffer.allocateDirect(4096)
    return listOf(base, ByteBuffer.allocateDirect(1), ByteBuffer.allocateDirect(65536)) +
        listOf(1, 7, 8, 1000, 4095).map { offset ->
            (base.duplicate().position(offset) as ByteBuffer).slice()
        } +
        (base.duplicate().position(100) as ByteBuffer).slice().let { s -> listOf((s.position(3) as ByteBuffer).slice()) }
}

class NativeLayerTest : FunSpec({
    timeout = 60_000L
    blockingTest = true

    test("epoll_event's layout matches the running architecture") {
        when (val arch = System.getProperty("os.arch")) {
            "amd64", "x86_64" -> {
                Layout.EPOLL_EVENT_SIZE shouldBe 12 // __attribute__((packed)) on x86-64
                Layout.EPOLL_EVENT_DATA shouldBe 4
            }
            "aarch64" -> {
                Layout.EPOLL_EVENT_SIZE shouldBe 16
                Layout.EPOLL_EVENT_DATA shouldBe 8
            }
            else -> error("no expected epoll_event layout recorded for $arch")
        }
        Layout.EPOLL_EVENT_EVENTS shouldBe 0
    }

    test("the kernel's epoll_event array decodes with Layout's stride") {
        // Tokens that use all 64 bits: a wrong stride or data offset would garble them.
        val tokens = List(12) { i -> 0x0123_4567_89AB_CDEFL xor (i.toLong() shl 56) xor i.toLong() } + listOf(-1L, Long.MIN_VALUE, 0L)
        val fds = tokens.map { TestEventFd(initialValue = 1) }
        try {
            Poll.open().use { poll ->
                fds.zip(tokens).forEach { (fd, token) -> poll.registry().register(SourceFd(fd.fd), token, Interest.READABLE) }
                val events = Events.withCapacity(32)
                poll.poll(events, Duration.ofSeconds(5))
                val seen = events.snapshot()
                seen.map { it.token } shouldContainExactlyInAnyOrder tokens
                seen.all { it.readable && !it.writable && !it.error && !it.readClosed } shouldBe true
            }
        } finally {
            fds.forEach { it.close() }
        }
    }

    test("the JNI address strategy agrees with JNA for direct buffers and slices") {
        val jni = DirectAddress.viaJni()
        jni.kind() shouldBe "jni"
        val buffers = directBuffersAndSlices()
        // Twice, interleaved: the per-thread cache of the last buffer must never answer for another.
        repeat(2) {
            for (buffer in buffers) {
                jni.of(buffer) shouldBe jnaAddress(buffer)
                jni.of(buffer) shouldBe jnaAddress(buffer)
            }
        }
    }

    test("the Unsafe address strategy agrees with JNA for direct buffers and slices (JDK < 24)") {
        if (javaFeature() >= 24) return@test // JDK 24+ warns on Unsafe memory access: jmio never uses it there
        val unsafe = withProperty("jmio.unsafe", "true") { DirectAddress.best() }
        unsafe.kind() shouldBe "unsafe"
        for (buffer in directBuffersAndSlices()) unsafe.of(buffer) shouldBe jnaAddress(buffer)
    }

    test("the default strategy is Unsafe before JDK 24 and JNI from 24; -Djmio.unsafe=false forces JNI") {
        val expected = if (javaFeature() < 24) "unsafe" else "jni"
        DirectAddress.best().kind() shouldBe expected
        withProperty("jmio.unsafe", "false") { DirectAddress.best().kind() } shouldBe "jni"
        val buffer = ByteBuffer.allocateDirect(64)
        Syscalls.require().address(buffer) shouldBe jnaAddress(buffer)
    }

    test("a heap buffer has no native address and is refused") {
        for (strategy in listOf(DirectAddress.viaJni(), DirectAddress.best())) {
            shouldThrow<IllegalArgumentException> { strategy.of(ByteBuffer.allocate(16)) }
            shouldThrow<NullPointerException> { strategy.of(null) }
        }
        shouldThrow<IllegalArgumentException> { Syscalls.require().address(ByteBuffer.allocate(16)) }
    }

    test("failed calls return -errno") {
        val sys = Syscalls.require()
        sys.close(-1) shouldBe -Errno.EBADF
        TestEventFd().use { fd ->
            val buffer = ByteBuffer.allocateDirect(8)
            sys.read(fd.fd, sys.address(buffer), 8) shouldBe -Errno.EAGAIN.toLong() // empty, non-blocking
            sys.epollCtl(fd.fd, Linux.EPOLL_CTL_DEL, fd.fd, 0) shouldBe -Errno.EINVAL // not an epoll fd
            fd.add(5)
            sys.read(fd.fd, sys.address(buffer), 8) shouldBe 8L // success right after failures
        }
    }

    test("jmio runs on 64-bit Linux with either backend and names what it cannot run on") {
        Backends.unsupportedReason("Linux", true, "amd64", "jna").shouldBeNull()
        Backends.unsupportedReason("Linux", true, "amd64", "ffm").shouldBeNull()
        Backends.unsupportedReason("Linux", true, "amd64", "").shouldBeNull()
        Backends.unsupportedReason("Mac OS X", true, "aarch64", "jna").shouldNotBeNull() shouldContain "Mac OS X"
        Backends.unsupportedReason("Windows 11", true, "amd64", "jna").shouldNotBeNull() shouldContain "Windows 11"
        Backends.unsupportedReason("FreeBSD", true, "amd64", "jna").shouldNotBeNull() shouldContain "FreeBSD"
        Backends.unsupportedReason("Linux", false, "x86", "jna").shouldNotBeNull() shouldContain "64-bit"
        Backends.unsupportedReason("Linux", true, "amd64", "panama").shouldNotBeNull() shouldContain "jmio.backend=panama"
        Syscalls.require().name() shouldBeIn listOf("jna", "ffm") // which one: BackendSelectionTest
    }

    test("registrations are edge-triggered and map interests as mio does") {
        val et = Linux.EPOLLET
        Epoll.interestBits(true, false, false) shouldBe (et or Linux.EPOLLIN or Linux.EPOLLRDHUP)
        Epoll.interestBits(false, true, false) shouldBe (et or Linux.EPOLLOUT)
        Epoll.interestBits(false, false, true) shouldBe (et or Linux.EPOLLPRI)
        Epoll.interestBits(true, true, true) shouldBe
            (et or Linux.EPOLLIN or Linux.EPOLLRDHUP or Linux.EPOLLOUT or Linux.EPOLLPRI)
    }

    test("event flags decode exactly as mio's epoll selector, for every combination") {
        val bits = listOf(Linux.EPOLLIN, Linux.EPOLLPRI, Linux.EPOLLOUT, Linux.EPOLLERR, Linux.EPOLLHUP, Linux.EPOLLRDHUP)
        for (mask in 0 until (1 shl bits.size)) {
            val flags = bits.filterIndexed { i, _ -> mask and (1 shl i) != 0 }.fold(0) { acc, bit -> acc or bit }
            fun has(bit: Int) = flags and bit != 0
            val input = has(Linux.EPOLLIN)
            val pri = has(Linux.EPOLLPRI)
            val out = has(Linux.EPOLLOUT)
            val err = has(Linux.EPOLLERR)
            val hup = has(Linux.EPOLLHUP)
            val rdhup = has(Linux.EPOLLRDHUP)
            val what = Epoll.describe(flags)
            withClue(what) {
                Epoll.isReadable(flags) shouldBe (input || pri)
                Epoll.isWritable(flags) shouldBe out
                Epoll.isError(flags) shouldBe err
                Epoll.isReadClosed(flags) shouldBe (hup || (input && rdhup))
                Epoll.isWriteClosed(flags) shouldBe (hup || (out && err) || flags == Linux.EPOLLERR)
                Epoll.isPriority(flags) shouldBe pri
            }
        }
        Epoll.describe(0) shouldBe "0"
        Epoll.describe(Linux.EPOLLIN or Linux.EPOLLRDHUP) shouldBe "EPOLLIN | EPOLLRDHUP"
    }
})


