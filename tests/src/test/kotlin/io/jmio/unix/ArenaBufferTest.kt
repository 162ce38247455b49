package io.jmio.unix

import io.jmio.coroutines.runEventLoop
import io.jmio.testing.UnixTesting.direct
import io.jmio.testing.UnixTesting.withDatagramPair
import io.jmio.testing.UnixTesting.withStreamPair
import io.jmio.testing.UnixTesting.written
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.yield
import io.jmio.coroutines.UnixStream as CoroutineUnixStream

private val feature = Runtime.version().feature()

/** `java.lang.foreign.Arena` (JDK 22+) by reflection, so this compiles for JDK 17. */
private object Arenas {
    private val arena by lazy { Class.forName("java.lang.foreign.Arena") }
    private val segment by lazy { Class.forName("java.lang.foreign.MemorySegment") }

    fun shared(): AutoCloseable = arena.getMethod("ofShared").invoke(null) as AutoCloseable

    fun confined(): AutoCloseable = arena.getMethod("ofConfined").invoke(null) as AutoCloseable

    fun auto(): Any = arena.getMethod("ofAuto").invoke(null)

    /** A view of a shared arena's memory after the arena was closed: freed memory. */
    fun closed(size: Int): ByteBuffer {
        val arena = shared()
        return buffer(arena, size).also { arena.close() }
    }

    /** `arena.allocate(size).asByteBuffer()`: a direct buffer whose memory the arena frees at close. */
    fun buffer(arena: Any, size: Int): ByteBuffer {
        val memory = this.arena.getMethod("allocate", Long::class.javaPrimitiveType).invoke(arena, size.toLong())
        return segment.getMethod("asByteBuffer").invoke(memory) as ByteBuffer
    }
}

/**
 * Views of an `Arena`'s memory: a closed arena's buffer must never reach the kernel (it would
 * write into freed memory); jmio throws IllegalStateException as the JDK's channels do, on both
 * backends, and a live arena's buffers carry bytes like any direct buffer.
 */
class ArenaBufferTest : FunSpec({
    timeout = 60_000

    context("JDK 22+ arenas").config(enabled = feature >= 22) {
        test("a closed arena's buffer is refused by every read, before any byte is taken from the kernel") {
            withStreamPair { a, b ->
                val dst = Arenas.closed(64)
                a.write(direct("queued")) shouldBe 6
                shouldThrow<IllegalStateException> { b.read(dst) }
                shouldThrow<IllegalStateException> { b.read(arrayOf(dst, ByteBuffer.allocateDirect(8))) }
                shouldThrow<IllegalStateException> { b.receiveWithFds(dst, IntArray(1)) }
                val left = ByteBuffer.allocate(16)
                b.read(left) shouldBe 6 // nothing was consumed
                left.written() shouldBe "queued".toByteArray()
            }
        }

        test("a closed arena's buffer is refused by every write, and nothing is sent") {
            withStreamPair { a, b ->
                val src = Arenas.closed(64)
                shouldThrow<IllegalStateException> { a.write(src) }
                shouldThrow<IllegalStateException> { a.write(arrayOf(ByteBuffer.allocateDirect(0), src)) }
                shouldThrow<IllegalStateException> { a.sendWithFds(src, intArrayOf()) }
                b.read(ByteBuffer.allocate(16)) shouldBe 0
            }
        }

        test("datagram send, receive and receiveFrom refuse a closed arena's buffer") {
            withDatagramPair { a, b ->
                val buffer = Arenas.closed(64)
                a.send(direct("d")) shouldBe 1
                shouldThrow<IllegalStateException> { b.receive(buffer) }
                shouldThrow<IllegalStateException> { b.receiveFrom(buffer) }
                shouldThrow<IllegalStateException> { a.send(buffer) }
                b.receive(ByteBuffer.allocate(4)) shouldBe 1 // the datagram is still queued
            }
        }

        test("live shared, confined and automatic arenas' buffers carry bytes like any direct buffer") {
            val shared = Arenas.shared()
            val confined = Arenas.confined()
            try {
                for (arena in listOf(shared, confined, Arenas.auto())) {
                    withStreamPair { a, b ->
                        val src = Arenas.buffer(arena, 5).put("hello".toByteArray()).flip()
                        a.write(src) shouldBe 5
                        val dst = Arenas.buffer(arena, 16)
                        b.read(dst) shouldBe 5
                        dst.written() shouldBe "hello".toByteArray()
                        val vector = arrayOf(Arenas.buffer(arena, 2), Arenas.buffer(arena, 8))
                        a.write(direct("vector")) shouldBe 6
                        b.read(vector) shouldBe 6L
                        (vector[0].written() + vector[1].written()) shouldBe "vector".toByteArray()
                    }
                    withDatagramPair { a, b ->
                        a.send(Arenas.buffer(arena, 3).put("abc".toByteArray()).flip()) shouldBe 3
                        val dst = Arenas.buffer(arena, 8)
                        b.receive(dst) shouldBe 3
                        dst.written() shouldBe "abc".toByteArray()
                    }
                }
            } finally {
                shared.close()
                confined.close()
            }
        }

        test("a confined arena's buffer used from another thread is refused, not handed to the kernel") {
            withStreamPair { a, b ->
                Arenas.confined().use { arena ->
                    val dst = Arenas.buffer(arena, 8)
                    a.write(direct("x")) shouldBe 1
                    var failure: Throwable? = null
                    val other = Thread { failure = runCatching { b.read(dst) }.exceptionOrNull() }
                    other.start()
                    other.join(10_000)
                    failure?.javaClass?.name shouldBe "java.lang.WrongThreadException"
                    b.read(ByteBuffer.allocate(4)) shouldBe 1 // refused before the byte was taken
                }
            }
        }

        test("a shared arena closed while a coroutine waits on it fails that read; the loop goes on") {
            runEventLoop {
                val (a, b) = CoroutineUnixStream.pair()
                val (c, d) = CoroutineUnixStream.pair()
                val arena = Arenas.shared()
                val dst = Arenas.buffer(arena, 64)
                val parked = async(start = CoroutineStart.UNDISPATCHED) { runCatching { b.read(dst) } }
                yield()
                arena.close() // nothing holds the arena: jmio never gave its memory to the kernel
                a.writeFully(direct("late")) // the loop completes the parked read with the dead buffer
                (parked.await().exceptionOrNull() is IllegalStateException) shouldBe true
                c.writeFully(direct("next"))
                val after = ByteBuffer.allocate(8)
                d.read(after) shouldBe 4 // the loop survived
                for (s in listOf(a, b, c, d)) s.close()
            }
        }
    }
})
