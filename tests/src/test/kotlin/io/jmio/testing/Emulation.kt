package io.jmio.testing

import io.kotest.core.test.Enabled
import io.kotest.core.test.TestCase

/**
 * The aarch64 CI leg (`.ci/aarch64`) runs an arm64 JVM under qemu's user-mode emulation and says so
 * with `-Djmio.test.emulator=qemu-user`. The few tests that exercise a qemu translation bug rather
 * than jmio are skipped there, each with the bug named.
 */
object Emulation {
    private val qemuUser = System.getProperty("jmio.test.emulator") == "qemu-user"

    /** For `config(enabledOrReasonIf = ...)`: enabled, unless under qemu-user, whose [bug] breaks the test. */
    fun unlessQemuUser(bug: String): (TestCase) -> Enabled =
        { if (qemuUser) Enabled.disabled("skipped under qemu-user: $bug") else Enabled.enabled }
}
