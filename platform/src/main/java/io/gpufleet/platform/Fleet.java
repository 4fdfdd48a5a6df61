package io.gpufleet.platform;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fleet} command. */
@Command(name = "fleet", mixinStandardHelpOptions = true, version = "gpufleet 0.1.0",
        description = "gpufleet: observe, analyse and act on GPU clusters.")
public final class Fleet implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Fleet()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
