package dev.jgpt.examples.serve;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request body without holding a thread while the client sends it: Jetty calls back as
 * bytes arrive, so a client that sends its body slowly costs a socket, not a worker. At most
 * {@code maxBytes} are kept; a larger body is read on and dropped up to {@code drainBytes} (so
 * the client, still sending, is not reset and sees the refusal), and the whole body must arrive
 * within {@code deadline}. The outcome is given once, on a Jetty thread.
 */
final class BodyReader implements Runnable {

    /** How a read ended. */
    enum Status {
        /** The whole body, at most {@code maxBytes}. */
        COMPLETE,
        /** More than {@code maxBytes}; {@code drained} says whether it was read to its end. */
        TOO_LARGE,
        /** Not whole within the deadline, or silent for the connection's idle timeout. */
        TIMED_OUT,
        /** The connection failed (the client went away). */
        FAILED
    }

    /**
     * @param body the bytes, for {@link Status#COMPLETE}
     * @param drained for {@link Status#TOO_LARGE}: the body was read to its end
     * @param failure for {@link Status#FAILED}
     */
    record Outcome(Status status, byte[] body, boolean drained, Throwable failure) {}

    private final Request request;
    private final int maxBytes;
    private final long drainBytes;
    private final Consumer<Outcome> then;
    private final AtomicBoolean done = new AtomicBoolean();
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile Scheduler.Task timer;
    private long total;

    private BodyReader(Request request, int maxBytes, long drainBytes, Consumer<Outcome> then) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.drainBytes = drainBytes;
        this.then = then;
    }

    /** Starts reading {@code request}'s body; {@code then} gets the outcome once. */
    static void read(Request request, int maxBytes, long drainBytes, Duration deadline, Consumer<Outcome> then) {
        BodyReader r = new BodyReader(request, maxBytes, drainBytes, then);
        Scheduler scheduler = request.getComponents().getScheduler();
        r.timer = scheduler.schedule(() -> r.finish(new Outcome(Status.TIMED_OUT, null, false, null)),
                deadline.toMillis(), TimeUnit.MILLISECONDS);
        r.run();
    }

    /** Reads what has arrived; asks to be called again when more does. */
    @Override
    public void run() {
        while (!done.get()) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure();
                // an idle timeout while reading is a transient failure: the client is just slow
                finish(failure instanceof TimeoutException ? new Outcome(Status.TIMED_OUT, null, false, null)
                        : new Outcome(Status.FAILED, null, false, failure));
                return;
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = bytes.remaining();
            if (total + n <= maxBytes) {
                byte[] copy = new byte[n];
                bytes.get(copy);
                kept.writeBytes(copy);
            } else if (total <= maxBytes) {
                kept.reset(); // refused: what was kept is not needed
            }
            total += n;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                finish(total <= maxBytes ? new Outcome(Status.COMPLETE, kept.toByteArray(), true, null)
                        : new Outcome(Status.TOO_LARGE, null, true, null));
                return;
            }
            if (total > drainBytes) {
                finish(new Outcome(Status.TOO_LARGE, null, false, null));
                return;
            }
        }
    }

    private void finish(Outcome outcome) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        Scheduler.Task t = timer;
        if (t != null) {
            t.cancel();
        }
        then.accept(outcome);
    }
}
