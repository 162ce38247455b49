package io.jmio.examples.kv;

/** A stored value, its expiry time, and its place in the {@link ExpiryHeap}. */
final class Entry {
    static final long NO_EXPIRY = 0;

    final Key key;
    byte[] value;
    /** Epoch milliseconds after which the entry is gone, or {@link #NO_EXPIRY}. */
    long expiresAt = NO_EXPIRY;
    /** Index in the expiry heap, or -1 when the entry has no expiry. */
    int heapIndex = -1;

    Entry(Key key, byte[] value) {
        this.key = key;
        this.value = value;
    }
}
