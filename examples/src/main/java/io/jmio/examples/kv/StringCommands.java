package io.jmio.examples.kv;

/** GET, SET, MGET, MSET, INCR, DECR, INCRBY, DECRBY. */
final class StringCommands {
    private static final byte[] EX = {'E', 'X'};
    private static final byte[] PX = {'P', 'X'};
    private static final byte[] NX = {'N', 'X'};
    private static final byte[] XX = {'X', 'X'};
    private static final byte[] KEEPTTL = {'K', 'E', 'E', 'P', 'T', 'T', 'L'};

    private StringCommands() {}

    static void get(Request request, KvSession session) {
        Entry entry = session.find(request, 1);
        session.out.bulk(entry == null ? null : entry.value);
    }

    /** SET key value [EX seconds | PX milliseconds | KEEPTTL] [NX | XX]. */
    static void set(Request request, KvSession session) {
        boolean nx = false;
        boolean xx = false;
        boolean keepTtl = false;
        long ttlMillis = -1;
        for (int i = 3; i < request.count(); i++) {
            boolean hasNext = i + 1 < request.count();
            if (request.is(i, NX) && !xx) {
                nx = true;
            } else if (request.is(i, XX) && !nx) {
                xx = true;
            } else if (request.is(i, KEEPTTL) && ttlMillis < 0) {
                keepTtl = true;
            } else if ((request.is(i, EX) || request.is(i, PX)) && hasNext && ttlMillis < 0 && !keepTtl) {
                long amount = request.longAt(i + 1);
                long unit = request.is(i, EX) ? 1000 : 1;
                if (amount <= 0 || amount > Long.MAX_VALUE / unit) {
                    throw new RespError("ERR invalid expire time in 'set' command");
                }
                ttlMillis = amount * unit;
                i++;
            } else {
                throw RespError.SYNTAX;
            }
        }
        long now = session.store.now();
        long expiresAt = Entry.NO_EXPIRY;
        if (ttlMillis > 0) {
            if (ttlMillis > Long.MAX_VALUE - now) {
                throw new RespError("ERR invalid expire time in 'set' command");
            }
            expiresAt = now + ttlMillis;
        }
        Entry entry = session.store.find(session.probe.of(request, 1), now);
        if ((nx && entry != null) || (xx && entry == null)) {
            session.out.raw(RespWriter.NULL_BULK);
            return;
        }
        byte[] value = request.copy(2);
        if (entry == null) {
            entry = session.store.insert(session.probe, value);
        } else {
            entry.value = value;
        }
        if (!keepTtl) {
            session.store.setExpiry(entry, expiresAt);
        }
        session.out.raw(RespWriter.OK);
    }

    static void mget(Request request, KvSession session) {
        session.out.arrayHeader(request.count() - 1);
        for (int i = 1; i < request.count(); i++) {
            Entry entry = session.find(request, i);
            session.out.bulk(entry == null ? null : entry.value);
        }
    }

    static void mset(Request request, KvSession session) {
        if (request.count() % 2 == 0) {
            throw new RespError("ERR wrong number of arguments for 'mset' command");
        }
        long now = session.store.now();
        for (int i = 1; i < request.count(); i += 2) {
            session.store.put(session.probe.of(request, i), request.copy(i + 1), now);
        }
        session.out.raw(RespWriter.OK);
    }

    static void incr(Request request, KvSession session) {
        incrementBy(request, session, 1);
    }

    static void decr(Request request, KvSession session) {
        incrementBy(request, session, -1);
    }

    static void incrby(Request request, KvSession session) {
        incrementBy(request, session, request.longAt(2));
    }

    static void decrby(Request request, KvSession session) {
        long decrement = request.longAt(2);
        if (decrement == Long.MIN_VALUE) {
            throw new RespError("ERR decrement would overflow");
        }
        incrementBy(request, session, -decrement);
    }

    /** Adds {@code delta} to the integer at the key (0 if absent), keeping its expiry, as Redis does. */
    private static void incrementBy(Request request, KvSession session, long delta) {
        Entry entry = session.find(request, 1);
        long current = entry == null ? 0 : Integers.parse(entry.value);
        long result;
        try {
            result = Math.addExact(current, delta);
        } catch (ArithmeticException overflow) {
            throw RespError.OVERFLOW;
        }
        byte[] value = Integers.toBytes(result);
        if (entry == null) {
            session.store.insert(session.probe, value);
        } else {
            entry.value = value;
        }
        session.out.integer(result);
    }
}
