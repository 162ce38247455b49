package io.jmio.examples.kv;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A key of the store: immutable bytes with their hash. Lookups use a {@link Probe} over the
 * request's bytes instead, so reading a key allocates nothing; only inserting a new key copies it.
 */
final class Key {
    final byte[] bytes;
    private final int hash;

    Key(byte[] bytes) {
        this.bytes = bytes;
        this.hash = hash(ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    static int hash(ByteBuffer buffer, int offset, int length) {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + buffer.get(offset + i);
        }
        return h;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object other) {
        if (other instanceof Key) {
            return Arrays.equals(bytes, ((Key) other).bytes);
        }
        return other instanceof Probe && other.equals(this);
    }

    /**
     * A reusable, mutable stand-in for a key that is a slice of a buffer. HashMap compares the key
     * it is given with the stored ones ({@code given.equals(stored)}), so a probe finds a
     * {@link Key} with the same bytes. Never store a probe in a map.
     */
    static final class Probe {
        private ByteBuffer buffer;
        private int offset;
        private int length;
        private int hash;

        Probe of(Request request, int arg) {
            return of(request.buffer, request.offset(arg), request.length(arg));
        }

        Probe of(ByteBuffer buffer, int offset, int length) {
            this.buffer = buffer;
            this.offset = offset;
            this.length = length;
            this.hash = Key.hash(buffer, offset, length);
            return this;
        }

        /** A stored key with the same bytes. */
        Key toKey() {
            byte[] bytes = new byte[length];
            buffer.get(offset, bytes);
            return new Key(bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Key)) {
                return false;
            }
            byte[] stored = ((Key) other).bytes;
            if (stored.length != length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (stored[i] != buffer.get(offset + i)) {
                    return false;
                }
            }
            return true;
        }
    }
}
