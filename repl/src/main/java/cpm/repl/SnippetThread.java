package cpm.repl;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The one thread on which every snippet runs (pitfall P1: the JDK's local execution uses a new thread per snippet
 * and loses thread-local state such as libtorch grad mode). {@link #stopCurrent()} uses {@code Thread.stop}
 * (works on JDK 17, P2); the thread catches the {@link ThreadDeath} and lives on, so its state survives.
 */
final class SnippetThread implements AutoCloseable {

    /** Raised by {@link #run} when the task was stopped. */
    static final class Stopped extends Exception {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    private record Task(Callable<?> body, CompletableFuture<Object> result) {
    }

    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean closed;
    private Task current;          // guarded by lock
    private boolean stopRequested; // guarded by lock

    SnippetThread(String name, Runnable init) {
        thread = new Thread(() -> loop(init), name);
        thread.setDaemon(true);
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    private void loop(Runnable init) {
        try {
            init.run();
        } catch (Throwable t) {
            // the initialiser is best effort (e.g. DJL grad mode); snippets still run
        }
        while (!closed) {
            Task t = null;
            try {
                t = queue.take();
                runOne(t);
            } catch (InterruptedException e) {
                // close() interrupts; the loop re-checks closed
            } catch (Throwable late) {
                // a ThreadDeath that landed outside a task body: keep the thread (and its state) alive, and never
                // leave a caller waiting
                if (t != null) {
                    t.result().completeExceptionally(new Stopped());
                }
            }
        }
        for (Task left; (left = queue.poll()) != null; ) {
            left.result().completeExceptionally(new IllegalStateException("the script engine is closed"));
        }
    }

    private void runOne(Task t) {
        synchronized (lock) {
            current = t;
            stopRequested = false;
        }
        Object value = null;
        Throwable failure = null;
        try {
            value = t.body().call();
        } catch (Throwable e) {
            failure = e;
        }
        boolean stopped;
        synchronized (lock) {
            current = null;
            stopped = stopRequested;
            stopRequested = false;
        }
        if (stopped) {
            t.result().completeExceptionally(new Stopped());
        } else if (failure != null) {
            t.result().completeExceptionally(failure);
        } else {
            t.result().complete(value);
        }
    }

    /**
     * Runs {@code body} on the snippet thread and waits. Runs it directly when already on that thread.
     *
     * @throws Stopped when {@link #stopCurrent()} ended it
     * @throws Exception what the body threw
     */
    @SuppressWarnings("unchecked")
    <T> T run(Callable<T> body) throws Exception {
        if (Thread.currentThread() == thread) {
            return body.call();
        }
        if (closed) {
            throw new IllegalStateException("the script engine is closed");
        }
        CompletableFuture<Object> f = new CompletableFuture<>();
        queue.add(new Task(body, f));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return (T) f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: the snippet owns the engine until it ends or is stopped
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof Exception ex) {
                        throw ex;
                    }
                    if (c instanceof ThreadDeath) {
                        throw new Stopped();
                    }
                    throw (Error) c;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a task is running now. */
    boolean busy() {
        synchronized (lock) {
            return current != null;
        }
    }

    /** Stops the running task, if any (a long native call finishes first, P2). Returns whether one ran. */
    @SuppressWarnings({"removal", "deprecation"})
    boolean stopCurrent() {
        synchronized (lock) {
            if (current == null) {
                return false;
            }
            stopRequested = true;
            thread.stop();
            return true;
        }
    }

    @Override
    public void close() {
        closed = true;
        stopCurrent();
        thread.interrupt();
    }
}
