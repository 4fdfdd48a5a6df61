package io.gpufleet.platform;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Unmatched;

/**
 * A {@code fleet} command whose options belong to a component's own entry point (it parses and validates them and
 * owns their exit codes): the arguments pass through unchanged. {@code --help}/{@code -h} prints {@link #help()}
 * when the component has no help of its own.
 */
public abstract class PassThroughCommand implements Callable<Integer> {

    @Unmatched
    protected List<String> args = new ArrayList<>();

    /** Runs the component with the arguments; returns its exit code. */
    protected abstract int run(String[] args, PrintStream out);

    /** Usage text for {@code --help}, or null when the component prints its own. */
    protected String help() {
        return null;
    }

    @Override
    public Integer call() {
        String help = help();
        if (help != null && (args.contains("--help") || args.contains("-h"))) {
            System.out.println(help);
            return 0;
        }
        return run(args.toArray(new String[0]), System.out);
    }
}
