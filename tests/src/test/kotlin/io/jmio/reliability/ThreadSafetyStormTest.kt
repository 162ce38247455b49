package io.jmio.reliability

import io.jmio.EventLoop
import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.Waker
import io.jmio.testing.Worker
import io.jmio.unix.UnixStream
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.io.IOException
import java.nio.ByteBuffer
import java.util.SplittableRandom
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * Concurrency storms on the core: registration changes from several threads while another
 * polls, wake storms, close racing with poll and registration, execute racing with shutdown. No
 * crash, no unexpected exception, and every event mio promises arrives.
 */
class ThreadSafetyStormTest : FunSpec({
    timeout = 180_000L

    test("register, reregister and deregister from 4 threads while a 5th polls; then every promised event arrives") {
        val perThread = 16
        val threads = 4
        val operations = 20_000
        Poll.open().use { poll ->
            val pairs = List(threads * perThread) { UnixStream.pair() }
            try {
                val stop = AtomicBoolean()
                val polled = AtomicLong()
                val poller = Worker("poller") {
                    val events = Events.withCapacity(256)
                    while (!stop.get()) {
                        poll.poll(events, 10)
                        polled.addAndGet(events.size().toLong())
                    }
                }
                // Each thread owns its own sources (mio's rule: one registration per source at a
                // time); the threads race on the shared epoll instance and registry.
                val workers = (0 until threads).map { t ->
                    Worker("registrar-$t") {
                        val random = SplittableRandom(t.toLong())
                        val registered = BooleanArray(perThread)
                        repeat(operations) {
                            val i = random.nextInt(perThread)
                            val source = pairs[t * perThread + i][0]
                            val token = (t * perThread + i).toLong()
                            if (random.nextInt(8) == 0) pairs[t * perThread + i][1].write(ByteBuffer.wrap(byteArrayOf(1)))
                            val interest = if (random.nextBoolean()) Interest.READABLE else Interest.READABLE.add(Interest.WRITABLE)
                            if (!registered[i]) {
                                poll.registry().register(source, token, interest); registered[i] = true
                            } else if (random.nextInt(3) == 0) {
                                poll.registry().deregister(source); registered[i] = false
                            } else {
                                poll.registry().reregister(source, token, interest)
                            }
                        }
                        // End deregistered, so every source is in a known state for the check below.
                        for (i in 0 until perThread) {
                            val source = pairs[t * perThread + i][0]
                            if (registered[i]) poll.registry().deregister(source)
                        }
                    }
                }
                workers.forEach { it.join(120_000) }
                stop.set(true)
                poller.join()

                // mio's promise: a source registered while it has unread data reports readable.
                val buffer = ByteBuffer.allocateDirect(1 shl 16)
                pairs.forEachIndexed { token, pair ->
                    while (pair[0].read(buffer.clear()) > 0) Unit // drain what the storm wrote
                    pair[1].write(ByteBuffer.wrap(byteArrayOf(2)))
                    poll.registry().register(pair[0], token.toLong(), Interest.READABLE)
                }
                val seen = HashSet<Long>()
                val events = Events.withCapacity(256)
                val deadline = System.nanoTime() + 10_000_000_000
                while (seen.size < pairs.size && System.nanoTime() < deadline) {
                    poll.poll(events, 100)
                    for (event in events) if (event.isReadable) seen += event.token()
                }
                println("Storm: ${threads * operations} registration changes while polling (${polled.get()} events polled); ${seen.size} of ${pairs.size} promised events seen")
                seen.size shouldBe pairs.size
            } finally {
                pairs.forEach { it.forEach(UnixStream::close) }
            }
        }
    }

    test("wakes from 4 threads are never lost: the poller sees a wake after each thread's last one") {
        Poll.open().use { poll ->
            Waker(poll.registry(), 99).use { waker ->
                val wakesPerThread = 50_000
                val posted = AtomicLong()
                val wakers = (0 until 4).map { t ->
                    Worker("waker-$t") {
                        repeat(wakesPerThread) {
                            posted.incrementAndGet()
                            waker.wake()
                        }
                    }
                }
                // Each wake event means "look at posted": the last look must see every post.
                val events = Events.withCapacity(16)
                var seen = 0L
                var wakeEvents = 0L
                val deadline = System.nanoTime() + 60_000_000_000
                while (seen < 4L * wakesPerThread && System.nanoTime() < deadline) {
                    poll.poll(events, 1000)
                    for (event in events) if (event.token() == 99L) {
                        wakeEvents++
                        seen = posted.get()
                    }
                }
                wakers.forEach { it.join() }
                println("Storm: ${4 * wakesPerThread} wakes from 4 threads, $wakeEvents wake events, last saw $seen")
                seen shouldBe 4L * wakesPerThread
            }
        }
    }

    test("closing a Poll while another thread polls and registers: only ClosedChannelException or IllegalStateException, no hang") {
        val rounds = 2_000
        val unexpected = ConcurrentHashMap<String, Int>()
        val pair = UnixStream.pair()
        try {
            repeat(rounds) { round ->
                val poll = Poll.open()
                val poller = Worker("poller") {
                    val events = Events.withCapacity(8)
                    try {
                        while (true) {
                            poll.poll(events, 5)
                            poll.registry().register(pair[0], 1, Interest.READABLE)
                            poll.registry().deregister(pair[0])
                        }
                    } catch (e: java.nio.channels.ClosedChannelException) {
                        // the poll closed under us: the expected end
                    } catch (e: IllegalStateException) {
                    } catch (e: IOException) {
                        unexpected.merge(e.toString(), 1, Int::plus)
                    }
                }
                if (round % 2 == 0) Thread.onSpinWait() else Thread.sleep(0, round % 1000)
                poll.close()
                poller.join(30_000)
            }
            unexpected shouldBe emptyMap()
        } finally {
            pair.forEach(UnixStream::close)
        }
    }

    test("tasks submitted while the loop shuts down either run or are rejected, never lost") {
        val rounds = 500
        var ran = 0L
        var rejected = 0L
        repeat(rounds) {
            val loop = EventLoop.open()
            val runs = AtomicLong()
            val accepted = AtomicLong()
            val refused = AtomicLong()
            val runner = Worker("loop") { loop.run() }
            val submitters = (0 until 2).map { s ->
                Worker("submitter-$s") {
                    repeat(500) {
                        try {
                            loop.execute { runs.incrementAndGet() }
                            accepted.incrementAndGet()
                        } catch (e: RejectedExecutionException) {
                            refused.incrementAndGet()
                        }
                    }
                }
            }
            loop.shutdown()
            submitters.forEach { it.join() }
            runner.join(30_000)
            loop.close()
            runs.get() shouldBe accepted.get()
            ran += runs.get()
            rejected += refused.get()
        }
        println("Storm: $rounds shutdown races: $ran tasks ran, $rejected rejected, none lost")
    }
})
