package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Runs one organization's operations one after another, in submission order, each to its end
 * (including its database writes) before the next starts. Tasks run off the caller's thread,
 * so a task may submit further work without reordering.
 */
final class SerialLane {

    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    synchronized <T> Uni<T> submit(Supplier<Uni<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tail = tail.thenComposeAsync(ignored -> {
            Uni<T> uni;
            try {
                uni = task.get();
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return CompletableFuture.completedFuture(null);
            }
            return uni.subscribeAsCompletionStage().handle((value, error) -> {
                if (error != null) {
                    result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    result.complete(value);
                }
                return (Void) null;
            });
        }, Infrastructure.getDefaultExecutor());
        return Uni.createFrom().completionStage(result);
    }
}
