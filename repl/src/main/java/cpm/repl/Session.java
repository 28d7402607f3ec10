package cpm.repl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bridge between host and snippets. It is loaded once, by the host class loader, and the snippet class loader
 * is parented on that loader, so snippets and host see the same static state (stack.md §5). Each
 * {@link ScriptEngine} keeps its bound objects under its own id.
 */
public final class Session {

    private static final Map<String, Object> VARS = new ConcurrentHashMap<>();
    private static final Map<String, Object> CAPTURED = new ConcurrentHashMap<>();
    private static final Object NULL = new Object();

    private Session() {
    }

    static void put(String engineId, String name, Object value) {
        VARS.put(engineId + "/" + name, value == null ? NULL : value);
    }

    static void forget(String engineId) {
        VARS.keySet().removeIf(k -> k.startsWith(engineId + "/"));
        CAPTURED.remove(engineId);
    }

    /** The live host object bound as {@code name}; called by the generated variable declarations. */
    @SuppressWarnings("unchecked")
    public static <T> T get(String engineId, String name) {
        Object v = VARS.get(engineId + "/" + name);
        return v == NULL ? null : (T) v;
    }

    /** Hands a snippet value to the host; see {@link ScriptEngine#capture(String)}. */
    public static void capture(String engineId, Object value) {
        CAPTURED.put(engineId, value == null ? NULL : value);
    }

    static Object takeCaptured(String engineId) {
        Object v = CAPTURED.remove(engineId);
        return v == NULL ? null : v;
    }

    /**
     * Replaces {@code System.exit(status)} in snippet source (P4: the snippets share the host JVM). It ends the
     * snippet, not the JVM.
     */
    public static void exit(int status) {
        throw new SnippetExit(status);
    }
}
