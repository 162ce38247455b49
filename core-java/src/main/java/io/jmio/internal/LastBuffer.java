package io.jmio.internal;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;

/**
 * A direct buffer, held weakly, and the native address of its index 0: the one-entry cache each
 * {@link FdHandle} keeps per direction for {@link FdIo#readAddress} and {@link FdIo#writeAddress}. Weak, so the cache keeps no buffer (and no
 * native memory) alive. Internal.
 */
final class LastBuffer extends WeakReference<ByteBuffer> {
    final long address;

    LastBuffer(ByteBuffer buffer, long address) {
        super(buffer);
        this.address = address;
    }
}
