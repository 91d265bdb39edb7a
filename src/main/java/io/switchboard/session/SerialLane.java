package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs one organization's operations one after another, in submission order, each to its end
 * (including its database writes) before the next starts, and none longer than its deadline:
 * a task that never completes fails and the lane moves on. Tasks run off the caller's thread,
 * so a task may submit further work without reordering.
 */
final class SerialLane {

    private final Duration deadline;
    private final AtomicInteger pending = new AtomicInteger();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    SerialLane(Duration deadline) {
        this.deadline = deadline;
    }

    synchronized <T> Uni<T> submit(Supplier<Uni<T>> task) {
        CompletableFuture<T> result = enqueue(task);
        return Uni.createFrom().completionStage(result);
    }

    /** As {@link #submit}, answering the task's future (completes whether or not anyone subscribes). */
    synchronized <T> CompletableFuture<T> enqueue(Supplier<Uni<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        pending.incrementAndGet();
        tail = tail.thenComposeAsync(ignored -> {
            Uni<T> uni;
            try {
                uni = task.get().ifNoItem().after(deadline)
                        .failWith(() -> new TimeoutException("session task did not finish within " + deadline));
            } catch (RuntimeException e) {
                pending.decrementAndGet();
                result.completeExceptionally(e);
                return CompletableFuture.completedFuture(null);
            }
            return uni.subscribeAsCompletionStage().handle((value, error) -> {
                pending.decrementAndGet();
                if (error != null) {
                    result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    result.complete(value);
                }
                return (Void) null;
            });
        }, Infrastructure.getDefaultExecutor());
        return result;
    }

    /** A task is queued or running. */
    boolean busy() {
        return pending.get() > 0;
    }
}
