package io.jmio.examples.kv;

/** DEL, EXISTS, EXPIRE, TTL, PTTL, DBSIZE, FLUSHALL. */
final class KeyCommands {
    private static final byte[] NX = {'N', 'X'};
    private static final byte[] XX = {'X', 'X'};
    private static final byte[] GT = {'G', 'T'};
    private static final byte[] LT = {'L', 'T'};
    private static final byte[] ASYNC = {'A', 'S', 'Y', 'N', 'C'};
    private static final byte[] SYNC = {'S', 'Y', 'N', 'C'};

    private KeyCommands() {}

    static void del(Request request, KvSession session) {
        int deleted = 0;
        for (int i = 1; i < request.count(); i++) {
            Entry entry = session.find(request, i);
            if (entry != null) {
                session.store.delete(entry);
                deleted++;
            }
        }
        session.out.integer(deleted);
    }

    /** Counts every argument naming a live key, repeats included (as Redis does). */
    static void exists(Request request, KvSession session) {
        int found = 0;
        for (int i = 1; i < request.count(); i++) {
            if (session.find(request, i) != null) {
                found++;
            }
        }
        session.out.integer(found);
    }

    /** EXPIRE key seconds [NX | XX | GT | LT]: 1 if the timeout was set (or the key deleted), else 0. */
    static void expire(Request request, KvSession session) {
        long seconds = request.longAt(2);
        boolean nx = false, xx = false, gt = false, lt = false;
        for (int i = 3; i < request.count(); i++) {
            if (request.is(i, NX)) {
                nx = true;
            } else if (request.is(i, XX)) {
                xx = true;
            } else if (request.is(i, GT)) {
                gt = true;
            } else if (request.is(i, LT)) {
                lt = true;
            } else {
                throw new RespError("ERR Unsupported option " + request.text(i, 128));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw new RespError("ERR NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            throw new RespError("ERR GT and LT options at the same time are not compatible");
        }
        long now = session.store.now();
        if (seconds > Long.MAX_VALUE / 1000 || seconds < Long.MIN_VALUE / 1000
                || (seconds > 0 && seconds * 1000 > Long.MAX_VALUE - now)) {
            throw new RespError("ERR invalid expire time in 'expire' command");
        }
        long expiresAt = now + seconds * 1000;
        Entry entry = session.store.find(session.probe.of(request, 1), now);
        if (entry == null) {
            session.out.integer(0);
            return;
        }
        boolean persistent = entry.expiresAt == Entry.NO_EXPIRY;
        // A key without a timeout counts as expiring never: GT can't beat it, LT always does.
        if ((nx && !persistent) || (xx && persistent) || (gt && (persistent || expiresAt <= entry.expiresAt))
                || (lt && !persistent && expiresAt >= entry.expiresAt)) {
            session.out.integer(0);
            return;
        }
        if (expiresAt <= now) {
            session.store.delete(entry);
        } else {
            session.store.setExpiry(entry, expiresAt);
        }
        session.out.integer(1);
    }

    static void ttl(Request request, KvSession session) {
        long millis = remainingMillis(request, session);
        session.out.integer(millis < 0 ? millis : (millis + 500) / 1000);
    }

    static void pttl(Request request, KvSession session) {
        session.out.integer(remainingMillis(request, session));
    }

    /** -2 if the key does not exist, -1 if it has no timeout, else its remaining milliseconds. */
    private static long remainingMillis(Request request, KvSession session) {
        long now = session.store.now();
        Entry entry = session.store.find(session.probe.of(request, 1), now);
        if (entry == null) {
            return -2;
        }
        return entry.expiresAt == Entry.NO_EXPIRY ? -1 : Math.max(0, entry.expiresAt - now);
    }

    static void dbsize(Request request, KvSession session) {
        session.out.integer(session.store.size());
    }

    static void flushall(Request request, KvSession session) {
        if (request.count() > 2 || (request.count() == 2 && !request.is(1, ASYNC) && !request.is(1, SYNC))) {
            throw RespError.SYNTAX;
        }
        session.store.clear();
        session.out.raw(RespWriter.OK);
    }
}
