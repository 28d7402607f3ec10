package cpm.repl;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path JShell's compiler needs to see the host's classes. Under {@code mvn exec:java}
 * {@code java.class.path} is Maven's launcher, so the URLs of the class-loader chain are collected too, and jar
 * manifests' {@code Class-Path} entries (surefire's booter jar, thin application jars) are expanded.
 */
final class ClassPaths {

    private ClassPaths() {
    }

    static List<String> collect(ClassLoader loader) {
        Deque<File> todo = new ArrayDeque<>();
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    File f = toFile(url);
                    if (f != null) {
                        todo.add(f);
                    }
                }
            }
        }
        for (String p : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!p.isEmpty()) {
                todo.add(new File(p));
            }
        }
        Set<File> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            File f = todo.poll().getAbsoluteFile();
            if (!f.exists() || !seen.add(f)) {
                continue;
            }
            if (f.isFile() && f.getName().endsWith(".jar")) {
                todo.addAll(manifestClassPath(f));
            }
        }
        List<String> out = new ArrayList<>();
        for (File f : seen) {
            out.add(f.getPath());
        }
        return out;
    }

    private static List<File> manifestClassPath(File jar) {
        List<File> out = new ArrayList<>();
        try (JarFile jf = new JarFile(jar)) {
            Manifest m = jf.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
            if (cp == null) {
                return out;
            }
            URL base = jar.toURI().toURL();
            for (String entry : cp.trim().split("\\s+")) {
                if (entry.isEmpty()) {
                    continue;
                }
                File f = toFile(new URL(base, entry));
                if (f != null) {
                    out.add(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a readable jar: javac will report what it misses
        }
        return out;
    }

    private static File toFile(URL url) {
        if (!"file".equals(url.getProtocol())) {
            return null;
        }
        try {
            return Path.of(URI.create(url.toString().replace(" ", "%20"))).toFile();
        } catch (RuntimeException e) {
            return new File(url.getPath());
        }
    }
}
