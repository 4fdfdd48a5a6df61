package io.gpufleet.exporter.nvml;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NVML shared library, bound symbol by symbol. Each {@link NvmlFunction} resolves to the first of its
 * candidate symbols the library exports (probing with {@link NativeLibrary#getFunction}), so one binding
 * works on current drivers (versioned {@code _v2}/{@code _v3} symbols, NVML 13 names) and on old ones.
 * A function the library lacks answers {@link NvmlReturn#FUNCTION_NOT_FOUND} when called, which readers
 * treat like NOT_SUPPORTED.
 *
 * <p>Thread-safe: NVML itself is, and this class holds no mutable state after construction.
 */
public final class NvmlLibrary {
    private static final Logger log = LoggerFactory.getLogger(NvmlLibrary.class);

    /** Loaded by soname: driver-only hosts often lack the unversioned {@code libnvidia-ml.so}. */
    public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";
    /** System property naming another library file (or a directory holding {@value #DEFAULT_LIBRARY}). */
    public static final String LIBRARY_PROPERTY = "gpufleet.nvml.library";

    /** A JNA option JNA itself ignores; it only keeps path and soname loads apart in JNA's cache. */
    private static final String LOAD_KIND_OPTION = "gpufleet.nvml.load";

    private final String location;
    private final NativeLibrary library;
    private final Map<NvmlFunction, Function> functions = new EnumMap<>(NvmlFunction.class);
    private final Map<NvmlFunction, String> symbols = new EnumMap<>(NvmlFunction.class);

    private NvmlLibrary(String location, NativeLibrary library) {
        this.location = location;
        this.library = library;
        for (NvmlFunction fn : NvmlFunction.values()) {
            for (String symbol : fn.symbols()) {
                Optional<Function> f = probe(symbol);
                if (f.isPresent()) {
                    functions.put(fn, f.get());
                    symbols.put(fn, symbol);
                    break;
                }
            }
            if (fn.required() && !functions.containsKey(fn)) {
                throw new NvmlException("NVML library " + location + " exports none of " + fn.symbols()
                        + " (not an NVML library, or too old)", NvmlReturn.FUNCTION_NOT_FOUND);
            }
        }
        log.debug("NVML {} bound: {}", location, symbols);
    }

    /** Loads the library named by {@value #LIBRARY_PROPERTY}, or {@value #DEFAULT_LIBRARY} from the system. */
    public static NvmlLibrary load() {
        return load(System.getProperty(LIBRARY_PROPERTY, DEFAULT_LIBRARY));
    }

    /**
     * Loads NVML from a soname ({@code libnvidia-ml.so.1}, searched the system's way), a file path, or a
     * directory that holds {@value #DEFAULT_LIBRARY}.
     *
     * @throws NvmlException when it cannot be loaded, with the loader's reason
     */
    public static NvmlLibrary load(String nameOrPath) {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new IllegalArgumentException("NVML library location must not be blank");
        }
        String location = nameOrPath;
        if (location.contains("/") && Files.isDirectory(Path.of(location))) {
            location = Path.of(location, DEFAULT_LIBRARY).toString();
        }
        if (location.contains("/") && !Files.isRegularFile(Path.of(location))) {
            throw new NvmlException("cannot load NVML library " + location + ": no such file", -1);
        }
        // JNA treats a relative path as a library name to search for: make it absolute.
        if (location.contains("/")) location = Path.of(location).toAbsolutePath().normalize().toString();
        NativeLibrary lib;
        try {
            // JNA also caches a library under its bare file name: without a distinct option a soname load
            // would get any libnvidia-ml.so.1 loaded earlier by path (a test's fake) instead of the driver's.
            boolean byPath = location.contains("/");
            lib = NativeLibrary.getInstance(location, Map.of(LOAD_KIND_OPTION, byPath ? "path" : "soname"));
        } catch (UnsatisfiedLinkError e) {
            throw new NvmlException("cannot load NVML library " + location + " (is the NVIDIA driver installed?): "
                    + oneLine(e.getMessage()), -1, e);
        }
        return new NvmlLibrary(location, lib);
    }

    private Optional<Function> probe(String symbol) {
        try {
            return Optional.of(library.getFunction(symbol));
        } catch (UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }

    /** Whether the library exports {@code symbol} (bound or not). */
    boolean exports(String symbol) {
        return probe(symbol).isPresent();
    }

    /** Where the library was loaded from, as given. */
    public String location() {
        return location;
    }

    /** The symbol bound for {@code fn}, or empty when the library exports none of its candidates. */
    public Optional<String> symbol(NvmlFunction fn) {
        return Optional.ofNullable(symbols.get(fn));
    }

    public boolean has(NvmlFunction fn) {
        return functions.containsKey(fn);
    }

    /** Every bound function with the symbol it uses. */
    public Map<NvmlFunction, String> bindings() {
        return Map.copyOf(symbols);
    }

    /**
     * Calls {@code fn} and returns its {@code nvmlReturn_t}; {@link NvmlReturn#FUNCTION_NOT_FOUND} when it is
     * not bound. Arguments follow JNA's mapping: Pointer/Memory/Structure for pointers, Integer for
     * {@code int}/{@code unsigned int}, Long for {@code unsigned long long}.
     */
    public int call(NvmlFunction fn, Object... args) {
        Function f = functions.get(fn);
        return f == null ? NvmlReturn.FUNCTION_NOT_FOUND : f.invokeInt(args);
    }

    /** {@code NAME (NVML's own description)}, e.g. {@code NOT_SUPPORTED (Not Supported)}. */
    public String describe(int rc) {
        Function f = functions.get(NvmlFunction.ERROR_STRING);
        String text = null;
        if (f != null) {
            try {
                text = f.invokeString(new Object[] {rc}, false);
            } catch (RuntimeException e) {
                text = null;
            }
        }
        return text == null || text.isBlank() ? NvmlReturn.name(rc) : NvmlReturn.name(rc) + " (" + text + ")";
    }

    /** JNA lists every attempt on its own line; one line, bounded, reads better in a log. */
    private static String oneLine(String s) {
        if (s == null) return "unknown reason";
        String line = s.replaceAll(":?\\s*\\R\\s*", "; ").trim();
        return line.length() > 500 ? line.substring(0, 500) + "..." : line;
    }

    @Override
    public String toString() {
        return "NvmlLibrary[" + location + "]";
    }
}
