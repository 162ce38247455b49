package io.jmio.examples.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One {@code --name VALUE} option an example accepts (or a {@code --name} flag, which takes no
 * value): its help line, its default, and how its value is checked. Values are checked while
 * parsing, so a bad value exits with usage before anything is opened.
 */
public final class Option {
    /** Checks a raw value; returns the parsed value or throws {@link UsageException}. */
    @FunctionalInterface
    interface Parser {
        Object parse(String option, String value) throws UsageException;
    }

    /** What a flag's value is when it is given; a flag given with a value ({@code --tls=x}) is a usage error. */
    static final String FLAG_GIVEN = "true";

    final String name;
    /** The value's placeholder in the usage; null for a flag. */
    final String valueName;
    final String help;
    /** The raw default, or null when there is none (the option is then required, unless optional). */
    final String defaultValue;
    /** With no default: may be left out, and then has no value ({@link Options#path} returns null). */
    final boolean optional;
    final Parser parser;

    private Option(String name, String valueName, String help, String defaultValue, boolean optional, Parser parser) {
        this.name = name;
        this.valueName = valueName;
        this.help = help;
        this.defaultValue = defaultValue;
        this.optional = optional;
        this.parser = parser;
    }

    private Option(String name, String valueName, String help, String defaultValue, Parser parser) {
        this(name, valueName, help, defaultValue, false, parser);
    }

    public String name() {
        return name;
    }

    /** Whether this is a flag, which takes no value: the command line must not take the next word as one. */
    public boolean isFlag() {
        return valueName == null;
    }

    /** {@code --name} alone: true if given, false if not. */
    public static Option flag(String name, String help) {
        return new Option(name, null, help, "false", (option, value) -> value.equals(FLAG_GIVEN));
    }

    /** A file that may be left out; its existence is checked when it is opened, with the error that says why. */
    public static Option optionalFile(String name, String help) {
        return new Option(name, "FILE", help, null, true, (option, value) -> {
            if (value.isEmpty()) {
                throw new UsageException("--" + option + " needs a file name");
            }
            return Path.of(value);
        });
    }

    /** {@code --host}: the address to bind or connect to. */
    public static Option host() {
        return new Option("host", "HOST", "address to listen on", "127.0.0.1", Option::parseHost);
    }

    /** {@code --port}: 0 lets the kernel choose (the chosen port is printed). */
    public static Option port(int defaultPort) {
        return integer("port", "N", "port to listen on (0: any free port)", defaultPort, 0, 65535);
    }

    /** {@code --threads}: how many event loops (each on its own thread) serve connections. */
    public static Option threads() {
        return integer("threads", "N", "event loops, one thread each", 1, 1, 1024);
    }

    /** An integer in {@code [min, max]}. */
    public static Option integer(String name, String valueName, String help, long defaultValue, long min, long max) {
        return new Option(name, valueName, help, Long.toString(defaultValue), (option, value) -> {
            long parsed;
            try {
                parsed = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + option + " needs an integer, not '" + value + "'");
            }
            if (parsed < min || parsed > max) {
                throw new UsageException("--" + option + " must be in [" + min + ", " + max + "]: " + parsed);
            }
            return parsed;
        });
    }

    /** One of {@code choices}; the first is the default. */
    public static Option choice(String name, String help, String... choices) {
        List<String> allowed = Arrays.asList(choices.clone());
        String valueName = String.join("|", allowed);
        return new Option(name, valueName, help, choices[0], (option, value) -> {
            if (!allowed.contains(value)) {
                throw new UsageException("--" + option + " must be one of " + valueName + ", not '" + value + "'");
            }
            return value;
        });
    }

    /** A required {@code HOST:PORT} (IPv6 hosts in brackets: {@code [::1]:8080}). */
    public static Option requiredHostPort(String name, String help) {
        return new Option(name, "HOST:PORT", help, null, Option::parseHostPort);
    }

    private static Object parseHost(String option, String value) throws UsageException {
        return resolve(option, value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value);
    }

    private static Object parseHostPort(String option, String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new UsageException("--" + option + " needs HOST:PORT, not '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new UsageException("--" + option + ": write an IPv6 host in brackets, as [::1]:8080");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + " has a bad port in '" + value + "'");
        }
        if (port < 1 || port > 65535) {
            throw new UsageException("--" + option + " port must be in [1, 65535]: " + port);
        }
        return new InetSocketAddress(resolve(option, host), port);
    }

    private static InetAddress resolve(String option, String host) throws UsageException {
        if (host.isEmpty()) {
            throw new UsageException("--" + option + " needs a host");
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException("--" + option + ": unknown host '" + host + "'");
        }
    }
}
