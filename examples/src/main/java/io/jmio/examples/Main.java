package io.jmio.examples;

import io.jmio.examples.cli.CommandLine;
import io.jmio.examples.cli.Example;
import io.jmio.examples.cli.Options;
import io.jmio.examples.cli.UsageException;
import java.io.PrintStream;

/**
 * Entry point of {@code jmio-examples.jar}: {@code java -jar jmio-examples.jar <example> [options]}.
 * Exit status: 0 after a clean run (or a server stopped by SIGINT/SIGTERM), 1 if the example
 * failed (its address taken, say), 2 for a command line it cannot run.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns the exit status. Usage goes to {@code out} when asked for, else to {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = CommandLine.split(args, Examples.FLAGS);
        } catch (UsageException e) {
            return usageError(e.getMessage(), null, err);
        }
        if (line.example == null) {
            if (line.help) {
                printUsage(out);
                return 0;
            }
            return usageError("which example?", null, err);
        }
        Example example = Examples.find(line.example);
        if (example == null) {
            return usageError("unknown example '" + line.example + "'", null, err);
        }
        if (line.help) {
            example.printUsage(out);
            return 0;
        }
        Options options;
        try {
            options = Options.parse(line.options, example.options);
        } catch (UsageException e) {
            return usageError(e.getMessage(), example, err);
        }
        try {
            return example.run(options);
        } catch (UsageException e) {
            return usageError(e.getMessage(), example, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("jmio-examples " + example.name + ": interrupted");
            return 1;
        } catch (Exception e) {
            err.println("jmio-examples " + example.name + ": " + e);
            return 1;
        }
    }

    private static int usageError(String problem, Example example, PrintStream err) {
        err.println("jmio-examples: " + problem);
        err.println();
        if (example != null) {
            example.printUsage(err);
        } else {
            printUsage(err);
        }
        return 2;
    }

    private static void printUsage(PrintStream out) {
        out.println("usage: java -jar jmio-examples.jar <example> [options]");
        out.println();
        out.println("examples:");
        for (Example example : Examples.ALL) {
            out.printf("  %-10s %s%n", example.name, example.summary);
        }
        out.println();
        out.println("Servers print 'listening on HOST:PORT' to stderr and stop cleanly on Ctrl-C (SIGINT) or SIGTERM.");
        out.println("Common options: --host HOST (default 127.0.0.1), --port N (0: any free port), --threads N.");
        out.println("'java -jar jmio-examples.jar <example> --help' lists an example's options.");
    }
}
