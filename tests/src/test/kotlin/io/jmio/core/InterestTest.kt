package io.jmio.core

import io.jmio.Interest
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs

class InterestTest : FunSpec({
    test("is_* report exactly the interests held") {
        Interest.READABLE.isReadable().shouldBeTrue()
        Interest.READABLE.isWritable().shouldBeFalse()
        Interest.WRITABLE.isWritable().shouldBeTrue()
        Interest.WRITABLE.isReadable().shouldBeFalse()
        Interest.PRIORITY.isPriority().shouldBeTrue()
        val both = Interest.READABLE.add(Interest.WRITABLE)
        both.isReadable().shouldBeTrue()
        both.isWritable().shouldBeTrue()
        both.isPriority().shouldBeFalse()
    }

    test("add is commutative and returns shared instances") {
        Interest.READABLE.add(Interest.WRITABLE) shouldBeSameInstanceAs Interest.WRITABLE.add(Interest.READABLE)
        Interest.READABLE.add(Interest.READABLE) shouldBeSameInstanceAs Interest.READABLE
    }

    test("remove gives what is left, or null when nothing is") {
        val all = Interest.READABLE.add(Interest.WRITABLE).add(Interest.PRIORITY)
        all.remove(Interest.WRITABLE) shouldBeSameInstanceAs Interest.READABLE.add(Interest.PRIORITY)
        Interest.READABLE.remove(Interest.WRITABLE) shouldBeSameInstanceAs Interest.READABLE
        Interest.READABLE.remove(Interest.READABLE).shouldBeNull()
        all.remove(all).shouldBeNull()
    }

    test("toString names the interests joined by |") {
        Interest.READABLE.toString() shouldBe "READABLE"
        Interest.READABLE.add(Interest.WRITABLE).toString() shouldBe "READABLE | WRITABLE"
        Interest.PRIORITY.add(Interest.READABLE).add(Interest.WRITABLE).toString() shouldBe "READABLE | WRITABLE | PRIORITY"
    }

    test("combining and removing never allocates, for any combination") {
        val singles = listOf(Interest.READABLE, Interest.WRITABLE, Interest.PRIORITY)
        // An array: for-each over a List would allocate iterators of its own.
        val all = singles.flatMap { a -> singles.flatMap { b -> singles.map { c -> a.add(b).add(c) } } }.distinct().toTypedArray()
        all.size shouldBe 7
        var nulls = 0
        fun churn() {
            for (a in all) {
                for (b in all) {
                    if (a.add(b).remove(b) == null) nulls++
                    if (a.remove(b) == null) nulls++
                }
            }
        }
        repeat(2000) { churn() } // warm up
        nulls = 0
        val allocated = Allocations.measure { repeat(1000) { churn() } }
        allocated shouldBeLessThan 1024L
        // Both removals leave nothing exactly when a is a subset of b: 19 of the 49 pairs.
        nulls shouldBe 1000 * 2 * 19
    }

    test("every combination prints its parts in a fixed order") {
        Interest.PRIORITY.toString() shouldBe "PRIORITY"
        Interest.WRITABLE.add(Interest.PRIORITY).toString() shouldBe "WRITABLE | PRIORITY"
        Interest.PRIORITY.add(Interest.READABLE).toString() shouldBe "READABLE | PRIORITY"
    }

    test("null is refused") {
        shouldThrow<NullPointerException> { Interest.READABLE.add(null) }
        shouldThrow<NullPointerException> { Interest.READABLE.remove(null) }
    }
})
