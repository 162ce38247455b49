package io.jmio.examples.kv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every command the server knows, and finding one by a request's first argument without building
 * a string: commands are bucketed by name length, then compared byte by byte, ignoring case.
 */
final class Commands {
    static final List<Command> ALL = List.of(
            new Command("ping", -1, "fast stale", 0, 0, 0, ConnectionCommands::ping),
            new Command("echo", 2, "fast", 0, 0, 0, ConnectionCommands::echo),
            new Command("select", 2, "loading stale fast", 0, 0, 0, ConnectionCommands::select),
            new Command("quit", -1, "fast", 0, 0, 0, ConnectionCommands::quit),
            new Command("client", -2, "admin noscript loading stale", 0, 0, 0, ConnectionCommands::client),
            new Command("get", 2, "readonly fast", 1, 1, 1, StringCommands::get),
            new Command("set", -3, "write denyoom", 1, 1, 1, StringCommands::set),
            new Command("mget", -2, "readonly fast", 1, -1, 1, StringCommands::mget),
            new Command("mset", -3, "write denyoom", 1, -1, 2, StringCommands::mset),
            new Command("incr", 2, "write denyoom fast", 1, 1, 1, StringCommands::incr),
            new Command("decr", 2, "write denyoom fast", 1, 1, 1, StringCommands::decr),
            new Command("incrby", 3, "write denyoom fast", 1, 1, 1, StringCommands::incrby),
            new Command("decrby", 3, "write denyoom fast", 1, 1, 1, StringCommands::decrby),
            new Command("del", -2, "write", 1, -1, 1, KeyCommands::del),
            new Command("exists", -2, "readonly fast", 1, -1, 1, KeyCommands::exists),
            new Command("expire", -3, "write fast", 1, 1, 1, KeyCommands::expire),
            new Command("ttl", 2, "readonly fast", 1, 1, 1, KeyCommands::ttl),
            new Command("pttl", 2, "readonly fast", 1, 1, 1, KeyCommands::pttl),
            new Command("dbsize", 1, "readonly fast", 0, 0, 0, KeyCommands::dbsize),
            new Command("flushall", -1, "write", 0, 0, 0, KeyCommands::flushall),
            new Command("flushdb", -1, "write", 0, 0, 0, KeyCommands::flushall),
            new Command("command", -1, "loading stale", 0, 0, 0, ServerCommands::command),
            new Command("config", -2, "admin noscript loading stale", 0, 0, 0, ServerCommands::config));

    private static final int LONGEST_NAME = 8;
    private static final Command[][] BY_LENGTH = bucketByLength();

    private Commands() {}

    /** The command named by the request's first argument, or null. */
    static Command find(Request request) {
        int length = request.length(0);
        if (length > LONGEST_NAME) {
            return null;
        }
        for (Command command : BY_LENGTH[length]) {
            if (request.is(0, command.upperName)) {
                return command;
            }
        }
        return null;
    }

    private static Command[][] bucketByLength() {
        List<List<Command>> buckets = new ArrayList<>(Collections.nCopies(LONGEST_NAME + 1, null));
        for (Command command : ALL) {
            int length = command.upperName.length;
            if (length > LONGEST_NAME) {
                throw new AssertionError("raise LONGEST_NAME for " + command.name);
            }
            if (buckets.get(length) == null) {
                buckets.set(length, new ArrayList<>());
            }
            buckets.get(length).add(command);
        }
        Command[][] table = new Command[LONGEST_NAME + 1][];
        for (int i = 0; i <= LONGEST_NAME; i++) {
            table[i] = buckets.get(i) == null ? new Command[0] : buckets.get(i).toArray(new Command[0]);
        }
        return table;
    }
}
