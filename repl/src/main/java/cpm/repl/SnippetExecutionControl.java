package cpm.repl;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import java.util.function.Function;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.execution.LoaderDelegate;

/**
 * In-process execution that runs every snippet on the one {@link SnippetThread} (P1) and remembers the live value
 * or exception of the last invocation, which JShell itself only reports as text.
 */
final class SnippetExecutionControl extends LocalExecutionControl {

    private final SnippetThread worker;
    private final Function<Callable<Object>, Callable<Object>> around;
    private volatile Object lastValue;
    private volatile Throwable lastThrown;
    private volatile boolean lastStopped;

    SnippetExecutionControl(LoaderDelegate delegate, SnippetThread worker,
                            Function<Callable<Object>, Callable<Object>> around) {
        super(delegate);
        this.worker = worker;
        this.around = around;
    }

    void clearLast() {
        lastValue = null;
        lastThrown = null;
        lastStopped = false;
    }

    Object lastValue() {
        return lastValue;
    }

    Throwable lastThrown() {
        return lastThrown;
    }

    boolean lastStopped() {
        return lastStopped;
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        Object value;
        try {
            value = worker.run(around.apply(() -> doit.invoke(null)));
        } catch (SnippetThread.Stopped e) {
            lastStopped = true;
            throw new StoppedException();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ThreadDeath) {
                lastStopped = true;
                throw new StoppedException();
            }
            lastThrown = e.getCause();
            throw e;
        }
        lastValue = value;
        return valueString(value);
    }

    @Override
    public void stop() {
        worker.stopCurrent();
    }
}
