package io.jmio.reliability

import io.jmio.EventLoop
import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.Source
import io.jmio.Waker
import io.jmio.net.Shutdown
import io.jmio.net.TcpListener
import io.jmio.net.TcpStream
import io.jmio.net.UdpSocket
import io.jmio.unix.Pipe
import io.jmio.unix.SourceFd
import io.jmio.unix.UnixDatagram
import io.jmio.unix.UnixListener
import io.jmio.unix.UnixStream
import java.io.File
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.SocketOption
import java.net.StandardSocketOptions
import java.nio.BufferOverflowException
import java.nio.ByteBuffer
import java.nio.ReadOnlyBufferException
import java.nio.file.Files
import java.time.Duration
import java.util.SplittableRandom
import java.util.TreeMap
import java.util.concurrent.Executors
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess

/**
 * Run in a child JVM by [ApiFuzzTest]: `ApiFuzzer <seed> <calls>` makes that many random calls on
 * random jmio objects (open, closed, half-used) with random buffers and arguments. Only documented
 * exception types may come out; anything else is printed with its stack and the exit code is 3. A
 * JVM crash shows as a signal exit and an hs_err file, which the parent checks. The same seed makes
 * the same call sequence (up to the kernel's timing), so a failure reproduces.
 *
 * Prints `calls=`, `fdsBefore=`, `fdsAfter=` (sockets, pipes, epoll and eventfds) and one `exception.<Type>=<count>` line per type.
 */
object ApiFuzzer {
    private val ALLOWED = listOf(
        IOException::class.java, // includes ClosedChannelException, SocketException, BindException...
        IllegalArgumentException::class.java,
        IllegalStateException::class.java,
        IndexOutOfBoundsException::class.java,
        NullPointerException::class.java,
        UnsupportedOperationException::class.java,
        RejectedExecutionException::class.java,
        BufferOverflowException::class.java,
        ReadOnlyBufferException::class.java,
    )

    @JvmStatic
    fun main(args: Array<String>) {
        val seed = args[0].toLong()
        val calls = args[1].toLong()
        println("seed=$seed")
        println("backend=" + io.jmio.Jmio.backend())
        val fdsBefore = kernelObjectFds()
        val fuzzer = Fuzzer(SplittableRandom(seed))
        val counts = TreeMap<String, Long>()
        var disallowed = 0
        var done = 0L
        try {
            while (done < calls) {
                val op = fuzzer.nextOp()
                done++
                try {
                    op.second()
                    counts.merge("ok", 1, Long::plus)
                } catch (e: Throwable) {
                    counts.merge("exception." + e.javaClass.simpleName, 1, Long::plus)
                    if (ALLOWED.none { it.isInstance(e) }) {
                        disallowed++
                        System.out.println("DISALLOWED in call $done (${op.first}):")
                        e.printStackTrace(System.out)
                        if (disallowed > 20) break
                    }
                }
            }
        } finally {
            fuzzer.close()
        }
        val fdsAfter = kernelObjectFds()
        println("calls=$done")
        println("opKinds=${fuzzer.kinds}")
        counts.forEach { (type, count) -> println("$type=$count") }
        println("fdsBefore=$fdsBefore")
        println("fdsAfter=$fdsAfter")
        System.out.flush()
        exitProcess(if (disallowed == 0) 0 else 3)
    }

    /**
     * Open sockets, pipes, epoll instances and eventfds: what jmio creates. Class loading opens jar
     * files meanwhile, so the process's whole fd count is no measure.
     */
    private fun kernelObjectFds(): Int = File("/proc/self/fd").listFiles().orEmpty().count {
        val target = runCatching { Files.readSymbolicLink(it.toPath()).toString() }.getOrDefault("")
        target.startsWith("socket:") || target.startsWith("pipe:") || target.startsWith("anon_inode:")
    }
}

/** The random state: a few slots of each object kind, replaced and closed at random. */
private class Fuzzer(private val random: SplittableRandom) : AutoCloseable {
    private val dir = Files.createTempDirectory("jmio-fuzz")
    private val polls = arrayOfNulls<Poll>(2)
    private val eventsPool = arrayOfNulls<Events>(2)
    private val streams = arrayOfNulls<TcpStream>(4)
    private val listeners = arrayOfNulls<TcpListener>(2)
    private val udps = arrayOfNulls<UdpSocket>(3)
    private val unixStreams = arrayOfNulls<UnixStream>(4)
    private val unixListeners = arrayOfNulls<UnixListener>(1)
    private val datagrams = arrayOfNulls<UnixDatagram>(2)
    private val pipes = arrayOfNulls<Pipe>(2)
    private val wakers = arrayOfNulls<Waker>(2)
    private val loops = arrayOfNulls<EventLoop>(1)
    private val other = Executors.newSingleThreadExecutor { Thread(it, "fuzz-other-thread").apply { isDaemon = true } }
    private var unixNames = 0
    private val ops = buildOps()
    val kinds get() = ops.size

    fun nextOp(): Pair<String, () -> Unit> {
        val (name, body) = ops[random.nextInt(ops.size)]
        // "Wrong thread": now and then the same call runs on another thread (the caller waits).
        if (random.nextInt(50) == 0) {
            return "$name@other-thread" to {
                try {
                    other.submit<Unit> { body() }.get(30, TimeUnit.SECONDS)
                } catch (e: java.util.concurrent.ExecutionException) {
                    throw e.cause!!
                }
            }
        }
        return name to body
    }

    // ---- random arguments -------------------------------------------------------------------

    private fun size(): Int = when (random.nextInt(10)) {
        0 -> 0
        1 -> 1
        2 -> random.nextInt(1, 1 shl 20) // up to 1 MiB
        3 -> 65_536 + random.nextInt(-2, 3) // around the bounce buffer's size
        else -> random.nextInt(1, 4096)
    }

    /** A buffer of a random kind and state: heap/direct, read-only, sliced, odd position and limit. */
    private fun buffer(): ByteBuffer {
        val capacity = size()
        var buffer = if (random.nextBoolean()) ByteBuffer.allocate(capacity) else ByteBuffer.allocateDirect(capacity)
        if (random.nextInt(4) == 0) buffer.put(ByteArray(minOf(capacity, 64)) { it.toByte() }).flip()
        when (random.nextInt(8)) {
            0 -> buffer = buffer.asReadOnlyBuffer()
            1 -> if (capacity > 2) {
                (buffer as java.nio.Buffer).position(random.nextInt(capacity))
                buffer = buffer.slice()
            }
            2 -> (buffer as java.nio.Buffer).position(buffer.limit()) // nothing remaining
            3 -> if (buffer.limit() > 0) {
                val limit = random.nextInt(buffer.limit() + 1)
                (buffer as java.nio.Buffer).limit(limit).position(random.nextInt(limit + 1))
            }
            4 -> buffer = ByteBuffer.wrap(ByteArray(capacity + 16), minOf(16, capacity), capacity - minOf(16, capacity)).slice()
        }
        return buffer
    }

    private fun buffers(): Array<ByteBuffer?> =
        Array(random.nextInt(0, 6)) { if (random.nextInt(20) == 0) null else buffer() }

    /** An (offset, length) pair, usually valid, sometimes negative, past the end or overflowing. */
    private fun range(size: Int): Pair<Int, Int> = when (random.nextInt(8)) {
        0 -> -random.nextInt(1, 100) to random.nextInt(size + 1)
        1 -> random.nextInt(size + 1) to -random.nextInt(1, 100)
        2 -> Int.MAX_VALUE to Int.MAX_VALUE
        3 -> (size / 2) to Int.MAX_VALUE
        4 -> size to 1
        else -> {
            val offset = random.nextInt(size + 1)
            offset to random.nextInt(size - offset + 1)
        }
    }

    private fun array(): ByteArray? = if (random.nextInt(30) == 0) null else ByteArray(size())

    private fun token(): Long = when (random.nextInt(4)) {
        0 -> Long.MAX_VALUE
        1 -> -1L
        else -> random.nextLong(1000)
    }

    private fun interest(): Interest? = when (random.nextInt(8)) {
        0 -> null
        1 -> Interest.WRITABLE
        2 -> Interest.READABLE.add(Interest.WRITABLE)
        3 -> Interest.PRIORITY
        else -> Interest.READABLE
    }

    private fun <T : Any> pick(slots: Array<T?>): T? = slots[random.nextInt(slots.size)]

    private fun <T : AutoCloseable> replace(slots: Array<T?>, make: () -> T) {
        val index = random.nextInt(slots.size)
        slots[index]?.close()
        slots[index] = null
        slots[index] = make()
    }

    private fun poll(): Poll? = pick(polls)

    private fun source(): Source? = when (random.nextInt(9)) {
        0 -> pick(streams)
        1 -> pick(listeners)
        2 -> pick(udps)
        3 -> pick(unixStreams)
        4 -> pick(datagrams)
        5 -> pick(pipes)?.let { if (random.nextBoolean()) it.sender() else it.receiver() }
        6 -> pick(unixListeners)
        7 -> SourceFd(listOf(-1, Int.MAX_VALUE, 0, 1000, Int.MIN_VALUE)[random.nextInt(5)])
        else -> null
    }

    private fun loopback(): InetSocketAddress? = when (random.nextInt(10)) {
        0 -> null
        1 -> InetSocketAddress(InetAddress.getByName("::1"), 0)
        2 -> InetSocketAddress.createUnresolved("localhost", 80)
        3 -> pick(listeners)?.let { runCatching { it.localAddress() }.getOrNull() }
        4 -> pick(udps)?.let { runCatching { it.localAddress() }.getOrNull() }
        else -> InetSocketAddress(InetAddress.getByName("127.0.0.1"), if (random.nextBoolean()) 0 else random.nextInt(1, 65536))
    }

    private fun option(): Pair<SocketOption<Any?>, Any?> {
        @Suppress("UNCHECKED_CAST")
        fun <T> of(option: SocketOption<T>, value: T?) = (option as SocketOption<Any?>) to (value as Any?)
        return when (random.nextInt(9)) {
            0 -> of(StandardSocketOptions.SO_RCVBUF, random.nextInt(-10, 1 shl 22))
            1 -> of(StandardSocketOptions.SO_SNDBUF, random.nextInt(-10, 1 shl 22))
            2 -> of(StandardSocketOptions.TCP_NODELAY, random.nextBoolean())
            3 -> of(StandardSocketOptions.SO_LINGER, random.nextInt(-5, 5))
            4 -> of(StandardSocketOptions.IP_TOS, random.nextInt(-1, 300))
            5 -> of(StandardSocketOptions.SO_REUSEADDR, null)
            6 -> of(StandardSocketOptions.SO_KEEPALIVE, random.nextBoolean())
            7 -> of(StandardSocketOptions.IP_MULTICAST_TTL, random.nextInt(-1, 300))
            else -> of(StandardSocketOptions.SO_BROADCAST, random.nextBoolean())
        }
    }

    private fun unixPath() = dir.resolve("s" + (unixNames++ % 8))

    // ---- the calls --------------------------------------------------------------------------

    private fun buildOps(): List<Pair<String, () -> Unit>> {
        val ops = ArrayList<Pair<String, () -> Unit>>()
        fun op(name: String, weight: Int = 1, body: () -> Unit) = repeat(weight) { ops += name to body }

        // Opening and closing
        op("Poll.open") { replace(polls) { Poll.open() } }
        op("Poll.close") { poll()?.close() }
        op("Events.withCapacity") {
            eventsPool[random.nextInt(eventsPool.size)] = Events.withCapacity(listOf(0, -1, 1, 16, 1024, Int.MAX_VALUE)[random.nextInt(6)])
        }
        op("TcpListener.bind", 2) { replace(listeners) { TcpListener.bind(loopback(), random.nextInt(-2, 8)) } }
        op("TcpStream.connect", 3) { replace(streams) { TcpStream.connect(loopback()) } }
        op("TcpListener.accept", 3) { pick(listeners)?.accept()?.let { accepted -> replace(streams) { accepted } } }
        op("UdpSocket.bind") { replace(udps) { UdpSocket.bind(loopback()) } }
        op("UnixStream.pair", 2) { UnixStream.pair().forEach { s -> replace(unixStreams) { s } } }
        op("UnixListener.bind") { replace(unixListeners) { Files.deleteIfExists(dir.resolve("l")); UnixListener.bind(dir.resolve("l")) } }
        op("UnixStream.connect") { replace(unixStreams) { UnixStream.connect(if (random.nextBoolean()) dir.resolve("l") else unixPath()) } }
        op("UnixListener.accept") { pick(unixListeners)?.accept()?.let { s -> replace(unixStreams) { s } } }
        op("UnixDatagram.pair") { UnixDatagram.pair().forEach { d -> replace(datagrams) { d } } }
        op("UnixDatagram.bind") { val p = unixPath(); Files.deleteIfExists(p); replace(datagrams) { UnixDatagram.bind(p) } }
        op("Pipe.open") { replace(pipes) { Pipe.open() } }
        op("fromOwnedFd(bad)") {
            val fd = listOf(-1, -5, Int.MIN_VALUE)[random.nextInt(3)]
            when (random.nextInt(4)) {
                0 -> UnixStream.fromOwnedFd(fd).close()
                1 -> UnixDatagram.fromOwnedFd(fd).close()
                2 -> io.jmio.unix.PipeReceiver.fromOwnedFd(fd).close()
                else -> UnixListener.fromOwnedFd(fd).close()
            }
        }
        op("close-any", 3) {
            when (random.nextInt(7)) {
                0 -> pick(streams)?.close()
                1 -> pick(listeners)?.close()
                2 -> pick(udps)?.close()
                3 -> pick(unixStreams)?.close()
                4 -> pick(datagrams)?.close()
                5 -> pick(pipes)?.let { if (random.nextBoolean()) it.sender().close() else it.close() }
                else -> pick(wakers)?.close()
            }
        }

        // Readiness
        op("register", 3) { poll()!!.registry().register(source(), token(), interest()) }
        op("reregister", 2) { poll()!!.registry().reregister(source(), token(), interest()) }
        op("deregister", 2) { poll()!!.registry().deregister(source()) }
        op("poll", 3) {
            val events = pick(eventsPool)
            // Never -1 or null: those wait forever.
            if (random.nextBoolean()) poll()!!.poll(events, if (random.nextBoolean()) 0L else -2L)
            else poll()!!.poll(events, if (random.nextBoolean()) Duration.ZERO else Duration.ofMillis(-1))
            events?.forEach { it.token(); it.isReadable; it.isWritable; it.isError; it.isReadClosed; it.isWriteClosed }
        }
        op("Events.get") { pick(eventsPool)?.get(random.nextInt(-2, 20)) }
        op("Waker.new") { replace(wakers) { Waker(poll()!!.registry(), token()) } }
        op("Waker.wake", 2) { pick(wakers)?.wake() }

        // Streams: TCP and Unix share the shapes, so each call picks either.
        fun stream(): Any? = if (random.nextBoolean()) pick(streams) else pick(unixStreams)
        op("read(ByteBuffer)", 6) {
            when (val s = stream()) {
                is TcpStream -> s.read(buffer()); is UnixStream -> s.read(buffer())
            }
        }
        op("write(ByteBuffer)", 6) {
            when (val s = stream()) {
                is TcpStream -> s.write(buffer()); is UnixStream -> s.write(buffer())
            }
        }
        op("read(byte[],off,len)", 3) {
            val a = array(); val (off, len) = range(a?.size ?: 0)
            when (val s = stream()) {
                is TcpStream -> s.read(a, off, len); is UnixStream -> s.read(a, off, len)
            }
        }
        op("write(byte[],off,len)", 3) {
            val a = array(); val (off, len) = range(a?.size ?: 0)
            when (val s = stream()) {
                is TcpStream -> s.write(a, off, len); is UnixStream -> s.write(a, off, len)
            }
        }
        op("read(ByteBuffer[],off,len)", 3) {
            val b = buffers(); val (off, len) = range(b.size)
            when (val s = stream()) {
                is TcpStream -> if (random.nextBoolean()) s.read(b) else s.read(b, off, len)
                is UnixStream -> if (random.nextBoolean()) s.read(b) else s.read(b, off, len)
            }
        }
        op("write(ByteBuffer[],off,len)", 3) {
            val b = buffers(); val (off, len) = range(b.size)
            when (val s = stream()) {
                is TcpStream -> if (random.nextBoolean()) s.write(b) else s.write(b, off, len)
                is UnixStream -> if (random.nextBoolean()) s.write(b) else s.write(b, off, len)
            }
        }
        op("TcpStream.peek") { pick(streams)?.peek(buffer()) }
        op("shutdown") {
            val how = Shutdown.values()[random.nextInt(Shutdown.values().size)]
            when (val s = stream()) {
                is TcpStream -> s.shutdown(how); is UnixStream -> s.shutdown(how)
            }
        }
        op("setOption") {
            val (option, value) = option()
            when (random.nextInt(4)) {
                0 -> pick(streams)?.setOption(option, value)
                1 -> pick(udps)?.setOption(option, value)
                2 -> pick(listeners)?.setOption(option, value)
                else -> pick(unixStreams)?.setOption(option, value)
            }
        }
        op("getOption/addresses") {
            when (random.nextInt(5)) {
                0 -> pick(streams)?.getOption(option().first)
                1 -> pick(streams)?.peerAddress()
                2 -> pick(unixStreams)?.peerAddress()
                3 -> pick(udps)?.takeError()
                else -> pick(streams)?.setTtl(random.nextInt(-2, 300))
            }
        }
        op("sendWithFds") {
            val fds = IntArray(random.nextInt(0, 70)) { if (random.nextInt(10) == 0) -1 else 0 } // stdin is always open
            pick(unixStreams)?.sendWithFds(buffer(), fds)
        }
        op("receiveWithFds", 2) {
            val fds = IntArray(random.nextInt(0, 70))
            try {
                pick(unixStreams)?.receiveWithFds(buffer(), fds)
            } finally {
                for (fd in fds) if (fd > 0) io.jmio.testing.UnixTesting.closeRawFd(fd)
            }
        }

        // Datagrams
        op("UdpSocket.sendTo", 3) { pick(udps)?.sendTo(buffer(), loopback()) }
        op("UdpSocket.receiveFrom", 3) { pick(udps)?.let { if (random.nextBoolean()) it.receiveFrom(buffer()) else it.peekFrom(buffer()) } }
        op("UdpSocket.connect/send/receive", 2) {
            val u = pick(udps)
            when (random.nextInt(3)) {
                0 -> u?.connect(loopback()); 1 -> u?.send(buffer()); else -> u?.receive(buffer())
            }
        }
        op("UnixDatagram.send/receive", 2) {
            val d = pick(datagrams)
            when (random.nextInt(4)) {
                0 -> d?.send(buffer()); 1 -> d?.receive(buffer()); 2 -> d?.receiveFrom(buffer())
                else -> d?.sendTo(buffer(), unixPath())
            }
        }

        // Pipes
        op("Pipe.read/write", 3) {
            val p = pick(pipes)
            val a = array(); val (off, len) = range(a?.size ?: 0)
            when (random.nextInt(4)) {
                0 -> p?.sender()?.write(buffer()); 1 -> p?.receiver()?.read(buffer())
                2 -> p?.sender()?.write(a, off, len); else -> p?.receiver()?.read(buffers())
            }
        }

        // Event loop: tasks, timers, runOnce from whichever thread the call lands on
        op("EventLoop.open/close") { replace(loops) { EventLoop.open() } }
        op("EventLoop.execute/schedule", 2) {
            val loop = pick(loops)
            if (random.nextBoolean()) loop?.execute { } else loop?.schedule({ }, random.nextLong(-5, 5), TimeUnit.MILLISECONDS)?.let { if (random.nextBoolean()) it.cancel() }
        }
        op("EventLoop.runOnce/shutdown") {
            val loop = pick(loops)
            when (random.nextInt(5)) {
                0 -> loop?.shutdown()
                1 -> loop?.register(source(), interest() ?: Interest.READABLE) { _, _ -> }
                else -> loop?.runOnce(random.nextLong(-2, 1).let { if (it == -1L) 0 else it })
            }
        }
        return ops
    }

    override fun close() {
        other.shutdownNow()
        other.awaitTermination(10, TimeUnit.SECONDS)
        for (slots in listOf(wakers, loops, streams, listeners, udps, unixStreams, unixListeners, datagrams, pipes, polls)) {
            for (c in slots) runCatching { c?.close() }
        }
        dir.toFile().deleteRecursively()
    }
}
