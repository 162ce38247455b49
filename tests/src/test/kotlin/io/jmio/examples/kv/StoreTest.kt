package io.jmio.examples.kv

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlin.random.Random

private fun Store.key(name: String): Key.Probe = Key.Probe().of(ByteBuffer.wrap(name.toByteArray()), 0, name.length)

class StoreTest : FunSpec({
    test("expireDue removes due keys soonest first, at most max per call") {
        var now = 0L
        val store = Store { now }
        for (i in 1..10) {
            val entry = store.put(store.key("k$i"), byteArrayOf(1), now)
            store.setExpiry(entry, i * 100L)
        }
        store.put(store.key("forever"), byteArrayOf(1), now)
        now = 550
        store.expireDue(3) shouldBe 3
        store.expireDue(100) shouldBe 2
        store.expireDue(100) shouldBe 0
        store.size() shouldBe 6
        store.find(store.key("k6"), now) shouldBe store.find(store.key("k6"), now)
        (store.find(store.key("k5"), now) == null) shouldBe true
        now = 10_000
        store.expireDue(100) shouldBe 5
        store.size() shouldBe 1
        store.expiringSize() shouldBe 0
    }

    test("a key lives through its expiry millisecond") {
        var now = 0L
        val store = Store { now }
        store.setExpiry(store.put(store.key("k"), byteArrayOf(1), now), 100)
        now = 100
        (store.find(store.key("k"), now) != null) shouldBe true
        store.expireDue(10) shouldBe 0
        now = 101
        store.expireDue(10) shouldBe 1
    }

    test("changing expiries keeps the heap exact: no stale entries pile up") {
        var now = 0L
        val store = Store { now }
        val random = Random(42)
        val expiries = HashMap<String, Long>()
        repeat(20_000) {
            val name = "k${random.nextInt(100)}"
            val entry = store.put(store.key(name), byteArrayOf(1), now)
            if (random.nextBoolean()) {
                val at = 1 + random.nextLong(1_000_000)
                store.setExpiry(entry, at)
                expiries[name] = at
            } else {
                expiries.remove(name)
            }
        }
        store.expiringSize() shouldBe expiries.size
        // Expiring in steps removes exactly the keys due at each step.
        var removed = 0
        for (step in 1..10) {
            now = step * 100_000L
            removed += store.expireDue(Int.MAX_VALUE)
            removed shouldBe expiries.values.count { it < now }
        }
    }
})
