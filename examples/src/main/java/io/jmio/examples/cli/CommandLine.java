package io.jmio.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command line split into the example's name, {@code --help}, and the option tokens, which may
 * come before or after the name. Every option but {@code --help} and the flags named to
 * {@link #split} takes a value, so the first bare word that is not an option's value names the
 * example.
 */
public final class CommandLine {
    /** The example's name, or null when none was given. */
    public final String example;
    public final boolean help;
    /** The option tokens, in order, without the example's name and {@code --help}. */
    public final List<String> options;

    private CommandLine(String example, boolean help, List<String> options) {
        this.example = example;
        this.help = help;
        this.options = options;
    }

    /**
     * Splits {@code args}; {@code flags} names the options that take no value ({@code tls}), of any
     * example, as the example may not be named yet when one comes.
     */
    public static CommandLine split(String[] args, Set<String> flags) throws UsageException {
        String example = null;
        boolean help = false;
        List<String> options = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
            } else if (arg.startsWith("-")) {
                options.add(arg);
                if (arg.indexOf('=') < 0 && !flags.contains(arg.substring(arg.startsWith("--") ? 2 : 1)) && i + 1 < args.length) {
                    options.add(args[++i]);
                }
            } else if (example == null) {
                example = arg;
            } else {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
        }
        return new CommandLine(example, help, options);
    }
}
