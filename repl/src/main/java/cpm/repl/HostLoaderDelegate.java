package cpm.repl;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;

/**
 * Defines snippet classes in a loader whose parent is the HOST class loader. The JDK's own delegate always parents
 * on the system loader, which gives snippets a second copy of host classes under {@code mvn exec:java}
 * (stack.md §5): then bound host objects are not the objects the host sees.
 */
final class HostLoaderDelegate implements LoaderDelegate {

    /** Parent-first loader that defines the snippet classes it was handed. */
    private static final class SnippetLoader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final Map<String, byte[]> bytecodes = new ConcurrentHashMap<>();

        SnippetLoader(ClassLoader parent) {
            super("cpm-snippets", new URL[0], parent);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = bytecodes.get(name);
            if (b == null) {
                return super.findClass(name);
            }
            return defineClass(name, b, 0, b.length, (ProtectionDomain) null);
        }

        void addPath(URL url) {
            addURL(url);
        }
    }

    private final SnippetLoader loader;
    private final Map<String, Class<?>> classes = new ConcurrentHashMap<>();

    HostLoaderDelegate(ClassLoader host) {
        this.loader = new SnippetLoader(host);
    }

    @Override
    public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
        boolean[] installed = new boolean[cbcs.length];
        for (ClassBytecodes c : cbcs) {
            loader.bytecodes.put(c.name(), c.bytecodes());
        }
        for (int i = 0; i < cbcs.length; i++) {
            try {
                classes.put(cbcs[i].name(), loader.loadClass(cbcs[i].name()));
                installed[i] = true;
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ClassInstallException("cannot load snippet class " + cbcs[i].name() + ": " + e, installed);
            }
        }
    }

    @Override
    public void classesRedefined(ClassBytecodes[] cbcs) {
        for (ClassBytecodes c : cbcs) {
            loader.bytecodes.put(c.name(), c.bytecodes());
        }
    }

    @Override
    public void addToClasspath(String path) {
        for (String p : path.split(File.pathSeparator)) {
            if (p.isEmpty()) {
                continue;
            }
            try {
                loader.addPath(new File(p).toURI().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("bad class path entry " + p, e);
            }
        }
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> c = classes.get(name);
        return c != null ? c : loader.loadClass(name);
    }
}
