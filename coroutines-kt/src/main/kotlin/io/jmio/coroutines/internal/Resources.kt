package io.jmio.coroutines.internal

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/** Runs [block] with this resource, closing it if [block] throws (ownership was not handed over). */
internal inline fun <S : AutoCloseable, T> S.closeOnFailure(block: (S) -> T): T = try {
    block(this)
} catch (e: Throwable) {
    close()
    throw e
}

/**
 * What a listener's `incoming()` returns: each [accept]ed connection, one per emission. A
 * connection the collector does not take (because it was cancelled) is closed.
 */
internal fun <T : AutoCloseable> incomingOf(accept: suspend () -> T): Flow<T> = flow {
    while (true) {
        accept().closeOnFailure { emit(it) }
    }
}
